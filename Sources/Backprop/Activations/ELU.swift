/// The exponential linear unit (Clevert et al., 2015) with α = 1: g(z) = z for z > 0 and e^z − 1 otherwise.
///
/// For z ≤ 0 the derivative e^z equals a + 1, so it comes from the cached output like σ′ does.
enum ELU {
  @inline(__always) static func value<T: BackpropScalar>(_ z: T) -> T { z > 0 ? z : T.expMinusOne(z) }
  @inline(__always) static func derivative<T: BackpropScalar>(z: T, a: T) -> T { z > 0 ? 1 : a + 1 }
}

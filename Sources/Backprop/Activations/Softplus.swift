/// The softplus function, g(z) = log(1 + e^z), a smooth ReLU, with g′(z) = σ(z).
///
/// It is evaluated as max(z, 0) + log(1 + e^(−|z|)), which neither overflows for large z nor loses the small
/// values for very negative z.
enum Softplus {
  @inline(__always) static func value<T: BackpropScalar>(_ z: T) -> T {
    max(z, 0) + T.log(onePlus: T.exp(-abs(z)))
  }
  @inline(__always) static func derivative<T: BackpropScalar>(z: T, a: T) -> T { Sigmoid.value(z) }
}

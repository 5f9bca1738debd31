/// The identity, g(z) = z, with g′(z) = 1: the linear output of seed 000's single-path network.
enum Linear {
  @inline(__always) static func value<T: BackpropScalar>(_ z: T) -> T { z }
  @inline(__always) static func derivative<T: BackpropScalar>(z: T, a: T) -> T { 1 }
}

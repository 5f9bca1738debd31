/// The hyperbolic tangent, g(z) = tanh z, with g′(z) = 1 − tanh² z = 1 − a² from the cached output.
enum Tanh {
  @inline(__always) static func value<T: BackpropScalar>(_ z: T) -> T { T.tanh(z) }
  @inline(__always) static func derivative<T: BackpropScalar>(z: T, a: T) -> T { 1 - a * a }
}

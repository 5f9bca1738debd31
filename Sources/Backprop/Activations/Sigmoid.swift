/// The logistic function σ(z) = 1 / (1 + e^(−z)) (seed 000, eq. 1).
///
/// Its derivative comes from the cached output a = σ(z): σ′(z) = σ(z)·(1 − σ(z)) = a·(1 − a) (seed 000, eq. 5),
/// so the backward pass evaluates no exponential.
enum Sigmoid {
  @inline(__always) static func value<T: BackpropScalar>(_ z: T) -> T { 1 / (1 + T.exp(-z)) }
  @inline(__always) static func derivative<T: BackpropScalar>(z: T, a: T) -> T { a * (1 - a) }
}

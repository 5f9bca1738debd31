/// The Gaussian error linear unit (Hendrycks and Gimpel, 2016), exact form: g(z) = z·Φ(z), where
/// Φ(z) = ½·(1 + erf(z/√2)) is the standard normal distribution function.
///
/// g′(z) = Φ(z) + z·φ(z), with the density φ(z) = e^(−z²/2) / √(2π). This is PyTorch's default `GELU()`,
/// not the tanh approximation.
enum GELU {
  @inline(__always) static func value<T: BackpropScalar>(_ z: T) -> T { z * phi(z) }
  @inline(__always) static func derivative<T: BackpropScalar>(z: T, a: T) -> T {
    phi(z) + z * T.exp(-z * z / 2) / T.sqrt(2 * T.pi)
  }
  @inline(__always) private static func phi<T: BackpropScalar>(_ z: T) -> T { (1 + T.erf(z / T.sqrt(2))) / 2 }
}

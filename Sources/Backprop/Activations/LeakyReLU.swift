/// The leaky rectified linear unit, g(z) = z for z > 0 and α·z otherwise, with α = 0.01 (PyTorch's and
/// Keras's default); g′(z) = 1 for z > 0 and α otherwise.
enum LeakyReLU {
  static let slope = 0.01
  @inline(__always) static func value<T: BackpropScalar>(_ z: T) -> T { z > 0 ? z : T(slope) * z }
  @inline(__always) static func derivative<T: BackpropScalar>(z: T, a: T) -> T { z > 0 ? 1 : T(slope) }
}

/// The rectified linear unit, g(z) = max(0, z), with g′(z) = 1 for z > 0 and 0 otherwise (0 at the kink, as
/// PyTorch and JAX take it). A NaN input stays NaN rather than turning into 0.
enum ReLU {
  @inline(__always) static func value<T: BackpropScalar>(_ z: T) -> T { z < 0 ? 0 : z }
  @inline(__always) static func derivative<T: BackpropScalar>(z: T, a: T) -> T { z > 0 ? 1 : 0 }
}

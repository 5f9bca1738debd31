/// The squared error in the seeds' form, C = 1/(2m) · Σᵢ ‖yᵢ − ŷᵢ‖² (seed 004; seed 000's J = ½(ŷ − y)² for m = 1).
///
/// The ½ cancels the 2 of the derivative, so each sample's error at the output is simply
/// dA = m·∂C/∂A = ŷ − y (seed 000, eq. 8), and δ = (ŷ − y) ∘ g′(Z).
enum MeanSquaredError {
  /// ½·(ŷ − y)² for one element; the loss sums these and divides by m.
  @inline(__always) static func cost<T: BackpropScalar>(a: T, y: T) -> T { (a - y) * (a - y) / 2 }
  /// m·∂C/∂ŷ for one element.
  @inline(__always) static func outputGradient<T: BackpropScalar>(a: T, y: T) -> T { a - y }
}

/// ∂C/∂W[l] and ∂C/∂b[l] for every layer, shaped like the parameters they belong to: what an optimizer consumes.
///
/// Index 0 is layer 1. A layer without biases has an empty `biases[l]`.
public struct Gradients<Scalar: BackpropScalar>: Sendable, Equatable {
  /// dW[l] = (1/m)·δ[l]·A[l−1]ᵀ, n[l] × n[l−1].
  public var weights: [Matrix<Scalar>]
  /// db[l] = (1/m)·Σ δ[l] over the columns, n[l] entries.
  public var biases: [[Scalar]]

  public init(weights: [Matrix<Scalar>], biases: [[Scalar]]) {
    self.weights = weights
    self.biases = biases
  }
}

/// The cost C that training minimizes, averaged over the m samples of a batch, and the output error δ[L] that
/// starts the backward pass.
///
/// Any cost works with any output activation (seed 000: "one is free to use any activation function with any
/// cost function"): the loss gives dA = m·∂C/∂A[L] and the activation turns it into δ[L] = dA ∘ g′(Z[L]) (or its
/// Jacobian product, for softmax). Two common pairs take a fused, numerically stable path instead, where the
/// product collapses to δ[L] = A[L] − Y and the cost is computed from the logits Z[L]:
/// sigmoid + ``binaryCrossEntropy`` and softmax + ``crossEntropy``.
///
/// δ here is the per-sample error m·∂C/∂Z, so 1/m appears exactly once, in dW and db (see `Backpropagation`).
public enum Loss: String, CaseIterable, Codable, Sendable {
  /// C = 1/(2m)·Σ‖y − ŷ‖², the squared error with the seeds' ½.
  case meanSquaredError = "mean-squared-error"
  /// C = −1/m·Σ[y·log ŷ + (1 − y)·log(1 − ŷ)], for one or more independent yes/no outputs.
  case binaryCrossEntropy = "binary-cross-entropy"
  /// C = −1/m·Σ y·log ŷ, for one-hot class targets (categorical cross-entropy).
  case crossEntropy = "cross-entropy"

  /// Reads a name as users type it: the raw value or a short form (`mse`, `bce`, `ce`, `categorical-cross-entropy`).
  public init?(name: String) {
    switch String(name.lowercased().map { $0 == "_" ? "-" : $0 }) {
    case "mse", "squared-error", "mean-squared-error": self = .meanSquaredError
    case "bce", "binary-cross-entropy": self = .binaryCrossEntropy
    case "ce", "cross-entropy", "categorical-cross-entropy", "softmax-cross-entropy": self = .crossEntropy
    default: return nil
    }
  }

  /// Whether this loss and the output activation take the fused path δ[L] = A[L] − Y.
  public func isFused(with output: Activation) -> Bool {
    switch (self, output) {
    case (.binaryCrossEntropy, .sigmoid), (.crossEntropy, .softmax): return true
    default: return false
    }
  }

  // MARK: Over buffers

  /// C for the rows × m outputs A[L] (logits Z[L]) against the targets Y.
  @inline(__always)
  func cost<T: BackpropScalar>(
    z: UnsafePointer<T>, a: UnsafePointer<T>, y: UnsafePointer<T>, rows: Int, columns m: Int, output: Activation
  ) -> T {
    let count = rows * m
    var total: T = 0
    switch (self, isFused(with: output)) {
    case (.meanSquaredError, _):
      for i in 0..<count { total += MeanSquaredError.cost(a: a[i], y: y[i]) }
    case (.binaryCrossEntropy, true):
      for i in 0..<count { total += BinaryCrossEntropy.cost(logit: z[i], y: y[i]) }
    case (.binaryCrossEntropy, false):
      for i in 0..<count { total += BinaryCrossEntropy.cost(a: a[i], y: y[i]) }
    case (.crossEntropy, true):
      for j in 0..<m { total += CrossEntropy.softmaxCost(logits: z, targets: y, column: j, rows: rows, columns: m) }
    case (.crossEntropy, false):
      for i in 0..<count { total += CrossEntropy.cost(a: a[i], y: y[i]) }
    }
    return total / T(m)
  }

  /// Writes δ[L] = m·∂C/∂Z[L] into `delta`.
  @inline(__always)
  func outputDelta<T: BackpropScalar>(
    z: UnsafePointer<T>, a: UnsafePointer<T>, y: UnsafePointer<T>, rows: Int, columns m: Int, output: Activation,
    into delta: UnsafeMutablePointer<T>
  ) {
    let count = rows * m
    if isFused(with: output) {
      for i in 0..<count { delta[i] = a[i] - y[i] }
      return
    }
    switch self {
    case .meanSquaredError:
      for i in 0..<count { delta[i] = MeanSquaredError.outputGradient(a: a[i], y: y[i]) }
    case .binaryCrossEntropy:
      for i in 0..<count { delta[i] = BinaryCrossEntropy.outputGradient(a: a[i], y: y[i]) }
    case .crossEntropy:
      for i in 0..<count { delta[i] = CrossEntropy.outputGradient(a: a[i], y: y[i]) }
    }
    output.backward(z: z, a: a, delta, rows: rows, columns: m)
  }
}

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
///
/// **Sample weights.** With a weight w_j ≥ 0 per sample, the batch's cost is the weighted mean
/// C = Σ_j w_j·C_j / Σ_j w_j (C_j: sample j's term; PyTorch's `reduction="mean"` with class weights normalizes the
/// same way), and δ[L]'s column j is scaled by m·w_j / Σ_j w_j. All weights 1 give exactly the unweighted bits.
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

  /// C for the rows × m outputs A[L] (logits Z[L]) against the targets Y: the sum of every term over m, or, with
  /// sample `weights` (m of them, summing to `weightSum`), Σ_j w_j·(sample j's terms) / Σw (0 when Σw = 0).
  /// Terms are added in the same order either way, so weights of 1 give the unweighted bits.
  @inline(__always)
  func cost<T: BackpropScalar>(
    z: UnsafePointer<T>, a: UnsafePointer<T>, y: UnsafePointer<T>, rows: Int, columns m: Int, output: Activation,
    weights: UnsafePointer<T>? = nil, weightSum: T = 0
  ) -> T {
    let total: T
    switch (self, isFused(with: output)) {
    case (.meanSquaredError, _):
      total = Self.sum(rows: rows, columns: m, weights: weights) { MeanSquaredError.cost(a: a[$0], y: y[$0]) }
    case (.binaryCrossEntropy, true):
      total = Self.sum(rows: rows, columns: m, weights: weights) { BinaryCrossEntropy.cost(logit: z[$0], y: y[$0]) }
    case (.binaryCrossEntropy, false):
      total = Self.sum(rows: rows, columns: m, weights: weights) { BinaryCrossEntropy.cost(a: a[$0], y: y[$0]) }
    case (.crossEntropy, true):
      total = Self.sum(rows: 1, columns: m, weights: weights) {
        CrossEntropy.softmaxCost(logits: z, targets: y, column: $0, rows: rows, columns: m)
      }
    case (.crossEntropy, false):
      total = Self.sum(rows: rows, columns: m, weights: weights) { CrossEntropy.cost(a: a[$0], y: y[$0]) }
    }
    guard weights != nil else { return total / T(m) }
    return weightSum > 0 ? total / weightSum : 0
  }

  /// Σ term(i) over the rows × m entries in row-major order, each times its column's weight when there are weights.
  @inline(__always)
  private static func sum<T: BackpropScalar>(
    rows: Int, columns m: Int, weights: UnsafePointer<T>?, _ term: (Int) -> T
  ) -> T {
    var total: T = 0
    if let weights {
      for k in 0..<rows {
        for j in 0..<m { total += weights[j] * term(k * m + j) }
      }
    } else {
      for i in 0..<(rows * m) { total += term(i) }
    }
    return total
  }

  /// Writes δ[L] = m·∂C/∂Z[L] into `delta`; with `sampleScales` (m·w_j / Σw per column j), column j scaled by it.
  @inline(__always)
  func outputDelta<T: BackpropScalar>(
    z: UnsafePointer<T>, a: UnsafePointer<T>, y: UnsafePointer<T>, rows: Int, columns m: Int, output: Activation,
    into delta: UnsafeMutablePointer<T>, sampleScales: UnsafePointer<T>? = nil
  ) {
    unweightedOutputDelta(z: z, a: a, y: y, rows: rows, columns: m, output: output, into: delta)
    guard let sampleScales else { return }
    for k in 0..<rows {
      let row = delta + k * m
      for j in 0..<m { row[j] *= sampleScales[j] }
    }
  }

  @inline(__always)
  private func unweightedOutputDelta<T: BackpropScalar>(
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

/// Per-feature standardization, x ← (x − μ) / s, with μ and s fitted on the training data and stored in the model
/// so that `evaluate` and `predict` apply exactly the same transformation.
///
/// Image bytes are scaled to [0, 1] first (value/255), then standardized.
public struct Standardization: Sendable, Equatable, Codable {
  /// μ, one per feature.
  public var mean: [Float]
  /// s, one per feature: the population standard deviation, or 1 for a feature that is constant in the
  /// training data (so it maps to 0 instead of dividing by zero).
  public var scale: [Float]

  /// For regression: μ and s of each target, so the network fits (y − μ)/s and its outputs ŷ map back as
  /// ŷ·s + μ; nil otherwise. Without it, targets in the thousands would make the squared error, and its
  /// gradients, millions of times larger than at the unit scale the initializers and learning rates assume.
  public var targetMean: [Float]?
  public var targetScale: [Float]?

  public init(mean: [Float], scale: [Float], targetMean: [Float]? = nil, targetScale: [Float]? = nil) {
    self.mean = mean
    self.scale = scale
    self.targetMean = targetMean
    self.targetScale = targetScale
  }

  /// μ and s of every feature of `dataset` (and of every target, for regression), accumulated in Double in
  /// sample order.
  public init(fitting dataset: Dataset) {
    (mean, scale) = Self.moments(count: dataset.count, width: dataset.featureCount) {
      dataset.value(sample: $0, feature: $1)
    }
    if dataset.task == .regression, let values = dataset.targetValues {
      let t = dataset.targetNames.count
      let (mu, s) = Self.moments(count: dataset.count, width: t) { values[$0 * t + $1] }
      (targetMean, targetScale) = (mu, s)
    }
  }

  /// The features that are constant in `dataset` (they standardize to 0 and so contribute nothing), by index.
  public static func constantFeatures(of dataset: Dataset) -> [Int] {
    guard dataset.count > 0 else { return [] }
    return (0..<dataset.featureCount).filter { j in
      let first = dataset.value(sample: 0, feature: j)
      return (1..<dataset.count).allSatisfy { dataset.value(sample: $0, feature: j) == first }
    }
  }

  /// Per column of a count × width table: the mean, and the population standard deviation (1 where it is 0).
  private static func moments(count: Int, width: Int, _ value: (Int, Int) -> Float) -> ([Float], [Float]) {
    var sum = [Double](repeating: 0, count: width), sumOfSquares = [Double](repeating: 0, count: width)
    for sample in 0..<count {
      for j in 0..<width {
        let x = Double(value(sample, j))
        sum[j] += x
        sumOfSquares[j] += x * x
      }
    }
    let n = Double(max(count, 1))
    let mean = sum.map { Float($0 / n) }
    let scale = (0..<width).map { j in
      let mu = sum[j] / n
      let variance = max(sumOfSquares[j] / n - mu * mu, 0)
      return variance > 1e-12 ? Float(variance.squareRoot()) : Float(1)
    }
    return (mean, scale)
  }
}

extension Dataset {
  /// Feature j of sample i as the network sees it before standardization: bytes scaled by 1/255.
  @inline(__always)
  public func value(sample i: Int, feature j: Int) -> Float {
    switch features {
    case .bytes(let bytes): return Float(bytes[i * featureCount + j]) / 255
    case .floats(let floats): return floats[i * featureCount + j]
    }
  }
}

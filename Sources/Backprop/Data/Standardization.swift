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

  public init(mean: [Float], scale: [Float]) {
    self.mean = mean
    self.scale = scale
  }

  /// μ and s of every feature of `dataset`, accumulated in Double in sample order.
  public init(fitting dataset: Dataset) {
    let n = dataset.featureCount
    var sum = [Double](repeating: 0, count: n), sumOfSquares = [Double](repeating: 0, count: n)
    for sample in 0..<dataset.count {
      for j in 0..<n {
        let x = Double(dataset.value(sample: sample, feature: j))
        sum[j] += x
        sumOfSquares[j] += x * x
      }
    }
    let count = Double(max(dataset.count, 1))
    mean = sum.map { Float($0 / count) }
    scale = (0..<n).map { j in
      let mu = sum[j] / count
      let variance = max(sumOfSquares[j] / count - mu * mu, 0)
      return variance > 1e-12 ? Float(variance.squareRoot()) : 1
    }
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

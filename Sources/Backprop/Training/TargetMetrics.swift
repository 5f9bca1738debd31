/// How a regression network does, per target, in the targets' own units (its outputs mapped back from the
/// standardized scale it was trained on).
public struct RegressionMetrics: Sendable, Equatable {
  /// The target columns.
  public var targetNames: [String]
  /// N, the number of samples.
  public var count: Int
  /// Σ|y − ŷ| / N, per target.
  public var meanAbsoluteError: [Double]
  /// √(Σ(y − ŷ)² / N), per target.
  public var rootMeanSquaredError: [Double]
  /// 1 − Σ(y − ŷ)² / Σ(y − ȳ)², per target: 1 is a perfect fit, 0 no better than predicting the mean ȳ (and
  /// negative, worse). For a constant target (Σ(y − ȳ)² = 0) it is 1 if every prediction is exact, else 0, as
  /// scikit-learn's `r2_score` does.
  public var r2: [Double]
}

/// How a multi-label network does: each output is a yes/no decision, yes when ŷ ≥ 0.5.
public struct MultiLabelMetrics: Sendable, Equatable {
  /// The labels (target columns).
  public var labelNames: [String]
  /// N, the number of samples.
  public var count: Int
  /// Per label, `[true negatives, false positives, false negatives, true positives]`.
  public var counts: [[Int]]
  /// The fraction of samples whose every label is right.
  public var exactMatch: Double

  /// The fraction of the N × labels decisions that are right (1 − the Hamming loss).
  public var labelAccuracy: Double {
    let right = counts.reduce(0) { $0 + $1[0] + $1[3] }
    return count == 0 || counts.isEmpty ? 0 : Double(right) / Double(count * counts.count)
  }

  /// TP / (TP + FP) for label k; nil when it was never predicted.
  public func precision(of k: Int) -> Double? {
    let predicted = counts[k][1] + counts[k][3]
    return predicted == 0 ? nil : Double(counts[k][3]) / Double(predicted)
  }

  /// TP / (TP + FN) for label k; nil when it never occurs.
  public func recall(of k: Int) -> Double? {
    let actual = counts[k][2] + counts[k][3]
    return actual == 0 ? nil : Double(counts[k][3]) / Double(actual)
  }
}

extension Standardization {
  /// A network output for target k mapped back to the target's units: ŷ·s + μ (unchanged without target
  /// statistics).
  public func targetValue(_ output: Double, target k: Int) -> Double {
    guard let targetMean, let targetScale else { return output }
    return output * Double(targetScale[k]) + Double(targetMean[k])
  }
}

extension Network {
  /// ``evaluate(on:standardization:batchSize:)`` for regression and multi-label data.
  func evaluateTargetValues(on data: Dataset, standardization: Standardization?, batchSize: Int) throws -> Evaluation {
    guard let values = data.targetValues else { preconditionFailure("no target values") }
    let t = data.targetNames.count
    var total = 0.0
    // Regression: Σ|e| and Σe² per target. Multi-label: the four counts per label and exact matches.
    var absolute = [Double](repeating: 0, count: t), squared = absolute
    var counts = [[Int]](repeating: [0, 0, 0, 0], count: t)
    var exact = 0
    try forEachBatch(of: data, standardization: standardization, batchSize: batchSize) { workspace, indices in
      total += Double(workspace.cost()) * Double(indices.count)
      let output = workspace.a[layers.count - 1], m = workspace.m
      for (j, sample) in indices.enumerated() {
        var allRight = true
        for k in 0..<t {
          let y = Double(values[sample * t + k]), out = Double(output[k * m + j])
          if data.task == .multiLabel {
            let predicted = out >= 0.5, actual = y == 1
            counts[k][(actual ? 2 : 0) + (predicted ? 1 : 0)] += 1
            allRight = allRight && predicted == actual
          } else {
            let error = y - (standardization?.targetValue(out, target: k) ?? out)
            absolute[k] += abs(error)
            squared[k] += error * error
          }
        }
        if allRight { exact += 1 }
      }
    }
    let n = Double(data.count)
    if data.task == .multiLabel {
      return Evaluation(
        loss: total / n, confusionMatrix: [], classNames: data.targetNames,
        multiLabel: MultiLabelMetrics(
          labelNames: data.targetNames, count: data.count, counts: counts, exactMatch: Double(exact) / n))
    }
    let r2 = (0..<t).map { k -> Double in
      // Σ(y − ȳ)² in two passes: Σy² − (Σy)²/N would cancel catastrophically for targets far from 0.
      let mean = (0..<data.count).reduce(0.0) { $0 + Double(values[$1 * t + k]) } / n
      let spread = (0..<data.count).reduce(0.0) { $0 + (Double(values[$1 * t + k]) - mean) * (Double(values[$1 * t + k]) - mean) }
      guard spread > 0 else { return squared[k] == 0 ? 1 : 0 }
      return 1 - squared[k] / spread
    }
    return Evaluation(
      loss: total / n, confusionMatrix: [], classNames: [],
      regression: RegressionMetrics(
        targetNames: data.targetNames, count: data.count, meanAbsoluteError: absolute.map { $0 / n },
        rootMeanSquaredError: squared.map { ($0 / n).squareRoot() }, r2: r2))
  }
}

import Backprop
import Foundation

/// How an `Evaluation` is shown: text for people (accuracy, a labelled confusion matrix, precision and recall per
/// class) and JSON for scripts.
enum EvaluationReport {
  static func text(_ evaluation: Evaluation, title: String) -> String {
    if let regression = evaluation.regression { return text(regression, loss: evaluation.loss, title: title) }
    if let multiLabel = evaluation.multiLabel { return text(multiLabel, loss: evaluation.loss, title: title) }
    let names = evaluation.classNames.isEmpty
      ? evaluation.confusionMatrix.indices.map(String.init) : evaluation.classNames
    var lines = ["\(title): loss \(String(format: "%.4f", evaluation.loss)), accuracy "
      + "\(percent(evaluation.accuracy)) (\(evaluation.count) samples)"]
    lines.append("")
    lines.append("Confusion matrix (rows: true class, columns: predicted class)")
    lines.append(Output.table([["true \\ predicted"] + names]
      + evaluation.confusionMatrix.enumerated().map { [names[$0.offset]] + $0.element.map(String.init) },
      rightAligned: true))
    lines.append("")
    lines.append(Output.table([["class", "precision", "recall", "samples"]] + names.indices.map { c in
      [names[c], evaluation.precision(of: c).map(percent) ?? "–", evaluation.recall(of: c).map(percent) ?? "–",
       String(evaluation.confusionMatrix[c].reduce(0, +))]
    }, rightAligned: true))
    return lines.joined(separator: "\n")
  }

  private static func text(_ regression: RegressionMetrics, loss: Double, title: String) -> String {
    let rows = regression.targetNames.indices.map { k in
      [regression.targetNames[k], number(regression.meanAbsoluteError[k]), number(regression.rootMeanSquaredError[k]),
       String(format: "%.4f", regression.r2[k])]
    }
    return "\(title): loss \(String(format: "%.4f", loss)) (squared error on standardized targets), \(regression.count) samples\n\n"
      + Output.table([["target", "MAE", "RMSE", "R²"]] + rows, rightAligned: true)
  }

  private static func text(_ multiLabel: MultiLabelMetrics, loss: Double, title: String) -> String {
    let rows = multiLabel.labelNames.indices.map { k in
      [multiLabel.labelNames[k], percent(Double(multiLabel.counts[k][0] + multiLabel.counts[k][3]) / Double(max(multiLabel.count, 1))),
       multiLabel.precision(of: k).map(percent) ?? "–", multiLabel.recall(of: k).map(percent) ?? "–",
       String(multiLabel.counts[k][2] + multiLabel.counts[k][3])]
    }
    return "\(title): loss \(String(format: "%.4f", loss)), label accuracy \(percent(multiLabel.labelAccuracy)), "
      + "exact match \(percent(multiLabel.exactMatch)) (\(multiLabel.count) samples)\n\n"
      + Output.table([["label", "accuracy", "precision", "recall", "positives"]] + rows, rightAligned: true)
  }

  static func percent(_ x: Double) -> String { String(format: "%.2f%%", 100 * x) }

  /// A value in a target's units, with 4 significant digits.
  static func number(_ x: Double) -> String { String(format: "%.4g", x) }

  /// `loss` and `count`, then per task: `accuracy`, `confusion_matrix` (rows = true class), `classes`,
  /// `precision`, `recall` (classification); `mae`, `rmse`, `r2` (their means over the targets) and `targets`
  /// with each target's (regression); `accuracy` (per-label), `exact_match`, `labels`, `precision`, `recall`
  /// (multi-label).
  struct JSON: Encodable {
    var task: String
    var loss: Double, count: Int
    var accuracy: Double?
    var confusionMatrix: [[Int]]?, classes: [String]?
    var precision: [Double?]?, recall: [Double?]?
    var mae: Double?, rmse: Double?, r2: Double?
    var targets: [Target]?
    var exactMatch: Double?, labels: [String]?

    struct Target: Encodable {
      var name: String, mae: Double, rmse: Double, r2: Double
    }

    init(_ evaluation: Evaluation) {
      loss = evaluation.loss
      count = evaluation.count
      if let regression = evaluation.regression {
        task = Task.regression.rawValue
        let mean = { (values: [Double]) in values.reduce(0, +) / Double(max(values.count, 1)) }
        mae = mean(regression.meanAbsoluteError)
        rmse = mean(regression.rootMeanSquaredError)
        r2 = mean(regression.r2)
        targets = regression.targetNames.indices.map {
          Target(name: regression.targetNames[$0], mae: regression.meanAbsoluteError[$0],
                 rmse: regression.rootMeanSquaredError[$0], r2: regression.r2[$0])
        }
      } else if let multiLabel = evaluation.multiLabel {
        task = Task.multiLabel.rawValue
        accuracy = multiLabel.labelAccuracy
        exactMatch = multiLabel.exactMatch
        labels = multiLabel.labelNames
        precision = multiLabel.labelNames.indices.map(multiLabel.precision(of:))
        recall = multiLabel.labelNames.indices.map(multiLabel.recall(of:))
      } else {
        task = Task.classification.rawValue
        accuracy = evaluation.accuracy
        confusionMatrix = evaluation.confusionMatrix
        classes = evaluation.classNames
        precision = evaluation.confusionMatrix.indices.map(evaluation.precision(of:))
        recall = evaluation.confusionMatrix.indices.map(evaluation.recall(of:))
      }
    }

    enum CodingKeys: String, CodingKey {
      case task, loss, accuracy, count, classes, precision, recall, mae, rmse, r2, targets, labels
      case confusionMatrix = "confusion_matrix"
      case exactMatch = "exact_match"
    }
  }
}

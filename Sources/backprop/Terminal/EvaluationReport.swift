import Backprop
import Foundation

/// How an `Evaluation` is shown: text for people (accuracy, a labelled confusion matrix, precision and recall per
/// class) and JSON for scripts.
enum EvaluationReport {
  static func text(_ evaluation: Evaluation, title: String) -> String {
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

  static func percent(_ x: Double) -> String { String(format: "%.2f%%", 100 * x) }

  /// `loss`, `accuracy`, `confusion_matrix` (rows = true class), `classes`, `precision`, `recall`, `count`.
  struct JSON: Encodable {
    var loss: Double, accuracy: Double, count: Int
    var confusionMatrix: [[Int]], classes: [String]
    var precision: [Double?], recall: [Double?]

    init(_ evaluation: Evaluation) {
      loss = evaluation.loss
      accuracy = evaluation.accuracy
      count = evaluation.count
      confusionMatrix = evaluation.confusionMatrix
      classes = evaluation.classNames
      precision = evaluation.confusionMatrix.indices.map(evaluation.precision(of:))
      recall = evaluation.confusionMatrix.indices.map(evaluation.recall(of:))
    }

    enum CodingKeys: String, CodingKey {
      case loss, accuracy, count, classes, precision, recall
      case confusionMatrix = "confusion_matrix"
    }
  }
}

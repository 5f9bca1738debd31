/// What a network's outputs mean, which decides the output layer, the cost and the figures that describe it.
public enum Task: String, Codable, Sendable, CaseIterable {
  /// One class per sample: softmax outputs with cross-entropy; accuracy and a confusion matrix.
  case classification
  /// Real values per sample (one or several targets): linear outputs with squared error; MAE, RMSE and R².
  case regression
  /// Several yes/no labels per sample: sigmoid outputs with binary cross-entropy; per-label accuracy.
  case multiLabel = "multi-label"

  /// Reads `classification`, `regression` or `multi-label` (also `multilabel`, `multi_label`).
  public init?(name: String) {
    switch name.lowercased().replacingOccurrences(of: "_", with: "-") {
    case "classification", "classify": self = .classification
    case "regression", "regress": self = .regression
    case "multi-label", "multilabel": self = .multiLabel
    default: return nil
    }
  }

  /// The output activation g_L and the cost C that belong together for this task.
  public var output: (activation: Activation, loss: Loss) {
    switch self {
    case .classification: (.softmax, .crossEntropy)
    case .regression: (.linear, .meanSquaredError)
    case .multiLabel: (.sigmoid, .binaryCrossEntropy)
    }
  }
}

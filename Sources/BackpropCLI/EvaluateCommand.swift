import ArgumentParser
import Backprop

/// `backprop evaluate`: a saved model's loss, accuracy and confusion matrix on labelled data.
struct EvaluateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "evaluate", abstract: "Report a saved model's loss, accuracy and confusion matrix on labelled data.")

  @Argument(help: "The model file (safetensors) written by `backprop train`.")
  var model: String

  @Option(help: "An IDX directory or a CSV file. Default: the test set the model was trained with, else the bundled MNIST.")
  var data: String?

  @Option(help: "For an IDX directory: train or test.")
  var split: String = "test"

  @Option(name: .customLong("label-column"), help: "The CSV label column, by name or 0-based index (default: the one used in training).")
  var labelColumn: String?

  @Flag(help: "Print JSON: task, loss, count; accuracy, confusion_matrix (rows = true class), classes, precision, recall (classification); mae, rmse, r2, targets (regression); accuracy, exact_match, labels, precision, recall (multi-label).")
  var json = false

  @Option(help: "Where the matrix products run: native (the default), openblas or accelerate (Apple platforms), when found at run time.")
  var backend: String?

  func validate() throws {
    // Selected here, so that an unavailable backend is reported with this command's usage (exit 64).
    try Arguments.selectBackend(backend)
    guard IDXReader.Split(rawValue: split) != nil else { throw ValidationError("--split \(split): expected train or test") }
  }

  func run() throws {
    let file = try ModelFile<Float>.read(from: model)
    let saved = file.training?.configuration
    if data == nil, saved?.test == nil, file.input.scaling == .none {
      throw ValidationError("--data: \(model) was trained on CSV data\(saved?.data.map { " (\($0))" } ?? ""); give the file to evaluate on")
    }
    let path = try DataLoading.resolve(data ?? saved?.test)
    let raw = try DataLoading.labelled(path, like: file, split: IDXReader.Split(rawValue: split)!, labelColumn: labelColumn)
    let evaluation = try file.network.evaluate(on: file.input.prepare(raw), standardization: file.input.standardization)
    if json {
      try Output.json(EvaluationReport.JSON(evaluation))
    } else {
      print(EvaluationReport.text(evaluation, title: "\(model) on \(raw.source)"))
    }
  }
}

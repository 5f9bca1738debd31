import ArgumentParser
import Backprop
import Foundation

/// `backprop report`: the HTML training report of a saved model, from the history file its training wrote.
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Write an HTML report of a trained model: curves, confusion matrix, layer norms, weights, and more.",
    discussion: """
      One self-contained HTML file (SVG charts, no scripts, nothing fetched): cost and accuracy per epoch and \
      the layers' weight and gradient norms from --history (written by `backprop train --history FILE`), the \
      confusion matrix on --data (default: the model's test set), weight histograms, the decision boundary of a \
      2-feature classifier over its training data, and the misclassified images of an MNIST-like test set. \
      `backprop train --report FILE.html` writes the same report at the end of training.
      """)

  @Argument(help: "The model file (safetensors) written by `backprop train`.")
  var model: String

  @Option(help: "The history file (JSON Lines) that `backprop train --history` wrote for this model.")
  var history: String?

  @Option(help: "Labelled data to evaluate on (IDX directory or CSV). Default: the test set the model was trained with, else its training data.")
  var data: String?

  @Option(help: "Where to write the HTML file. Default: the model's name with .html.")
  var out: String?

  private var output: String { out ?? (model as NSString).deletingPathExtension + ".html" }

  func validate() throws {
    guard history != nil else {
      throw ValidationError("--history: a report needs the training history; train with `backprop train --history FILE` (or use `train --report`)")
    }
    try Files.checkWritable(output)
  }

  func run() throws {
    let file = try ModelFile<Float>.read(from: model)
    let epochs = try HistoryFile.epochs(in: history!)
    let saved = file.training?.configuration
    // Evaluated on: --data, else the test set of the training run, else its data (an IDX directory's test split,
    // or the training CSV itself, which the title then says).
    let evaluationPath = data ?? saved?.test ?? saved?.data
    var evaluation: (title: String, value: Evaluation)?
    var evaluationData: Dataset?
    if let path = evaluationPath {
      let raw = try DataLoading.labelled(path, like: file, split: .test)
      let trainingFile = data == nil && saved?.test == nil && !DataLoading.isDirectory(path)
      evaluation = ("\((path as NSString).lastPathComponent)\(trainingFile ? " (the training data)" : "")", try file.network.evaluate(
        on: file.input.prepare(raw), standardization: file.input.standardization))
      evaluationData = raw
    }
    // The training data, for a 2-feature classifier's decision boundary.
    var trainingData: Dataset?
    if file.input.features == 2, let path = saved?.data, FileManager.default.fileExists(atPath: path) {
      trainingData = try DataLoading.labelled(path, like: file, split: .train)
    }
    let shape = file.network.sizes.map(String.init).joined(separator: "-")
    var summary = [("network", "\(shape), \(file.network.layers.map(\.activation.rawValue).joined(separator: " → ")), \(file.network.loss.rawValue)")]
    if let saved {
      summary.append(("optimizer", TrainCommand.summary(of: saved.optimizer)))
      summary.append(("data", saved.data ?? "the bundled MNIST"))
      summary.append(("seed", "\(saved.seed)"))
    }
    summary.append(("epochs", "\(epochs.count) in the history \(history!)"))
    let html = try HTMLReport(
      title: "Training report: \(shape), \((model as NSString).lastPathComponent)", summary: summary, epochs: epochs,
      network: file.network, input: file.input, evaluation: evaluation, trainingData: trainingData,
      evaluationData: evaluationData
    ).html()
    try writeAtomically(Array(html.utf8), to: output)
    print("Wrote the report of \(model) to \(output)")
  }
}

import ArgumentParser
import Backprop

/// `backprop inspect`: what a model file holds.
struct InspectCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspect", abstract: "Show what a model file holds: architecture, classes, inputs, training state.")

  @Argument(help: "The model file (safetensors).")
  var model: String

  @Flag(help: "Print JSON (with --tensors: every tensor's values too).")
  var json = false

  @Flag(help: "With --json, include every tensor's values (row-major).")
  var tensors = false

  func validate() throws {
    if tensors && !json { throw ValidationError("--tensors: only with --json") }
  }

  func run() throws {
    let file = try ModelFile<Float>.read(from: model)
    let network = file.network
    let training = file.training
    if json {
      try Output.json(Report(
        sizes: network.sizes, activations: network.layers.map(\.activation.rawValue), loss: network.loss.rawValue,
        classes: file.classNames, parameters: network.parameterCount, epoch: training?.epoch, step: training?.step,
        optimizer: training?.configuration.optimizer.kind.rawValue,
        tensors: tensors ? try Self.tensors(of: file) : nil))
      return
    }
    print("\(model): \(network.sizes.map(String.init).joined(separator: "-")) "
          + "(\(network.layers.map(\.activation.rawValue).joined(separator: " → ")), \(network.loss.rawValue)), "
          + "\(network.parameterCount) parameters")
    if !file.classNames.isEmpty { print("classes: \(file.classNames.joined(separator: ", "))") }
    print("inputs: \(file.input.features) features, scaling \(file.input.scaling.rawValue)"
          + (file.input.standardization != nil ? ", standardized" : ""))
    if let training {
      let c = training.configuration
      print("training: epoch \(training.epoch) of \(c.epochs), step \(training.step), \(c.optimizer.kind.rawValue) "
            + "η = \(c.optimizer.learningRate), batch \(c.batchSize), seed \(c.seed)")
    }
  }

  /// Every tensor as the file names it, with its values as `Double` (exact for F32).
  static func tensors(of file: ModelFile<Float>) throws -> [String: [Double]] {
    try file.container().tensors.mapValues { ($0.floats ?? []).map(Double.init) }
  }

  struct Report: Encodable {
    var sizes: [Int], activations: [String], loss: String, classes: [String], parameters: Int
    var epoch: Int?, step: Int?, optimizer: String?
    var tensors: [String: [Double]]?
  }
}

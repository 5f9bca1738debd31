import Backprop
import BackpropTestSupport
import Foundation
import Testing

@Suite("Training runs, checkpoints and resume")
struct TrainingRunTests {
  /// 200 samples of 6 byte-valued features in 3 classes.
  static func data() throws -> Dataset {
    try .synthetic(count: 200, features: 6, classNames: ["a", "b", "c"], noise: 128, signal: 100, seed: 12)
  }

  static func configuration(epochs: Int, optimizer: OptimizerSettings.Kind) -> TrainingConfiguration {
    TrainingConfiguration(
      sizes: [6, 8, 3], activations: [.relu, .softmax], loss: .crossEntropy,
      optimizer: OptimizerSettings(kind: optimizer, learningRate: optimizer == .adam ? 0.01 : 0.1),
      batchSize: 16, epochs: epochs, seed: 5, validationSplit: 0.2, standardize: true)
  }

  static let input = InputDescription(features: 6, scaling: .divideBy255)

  @Test("2 epochs, save, resume for 1 more == 3 epochs straight, bit for bit", arguments: OptimizerSettings.Kind.allCases)
  func resumeIsBitExact(optimizer: OptimizerSettings.Kind) throws {
    let data = try Self.data()
    var straight = try TrainingRun<Float>(configuration: Self.configuration(epochs: 3, optimizer: optimizer), data: data)
    while !straight.isFinished { _ = try straight.runEpoch() }

    var first = try TrainingRun<Float>(configuration: Self.configuration(epochs: 2, optimizer: optimizer), data: data)
    while !first.isFinished { _ = try first.runEpoch() }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID().uuidString).safetensors").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try first.checkpoint(classNames: data.classNames, input: Self.input).write(to: path)

    let loaded = try ModelFile<Float>.read(from: path)
    var resumed = try TrainingRun<Float>(resuming: loaded, data: data, epochs: 3)
    #expect(resumed.epoch == 2)
    while !resumed.isFinished { _ = try resumed.runEpoch() }
    #expect(resumed.network == straight.network)
    #expect(resumed.checkpoint(classNames: [], input: Self.input).training?.optimizerState
      == straight.checkpoint(classNames: [], input: Self.input).training?.optimizerState)
    #expect(resumed.checkpoint(classNames: [], input: Self.input).training?.generatorState
      == straight.checkpoint(classNames: [], input: Self.input).training?.generatorState)
  }

  @Test("a saved model reads back equal, tensors, metadata and training state")
  func roundTrip() throws {
    let data = try Self.data()
    var run = try TrainingRun<Float>(configuration: Self.configuration(epochs: 1, optimizer: .adam), data: data)
    _ = try run.runEpoch()
    let model = run.checkpoint(classNames: data.classNames, input: Self.input)
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString).safetensors").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try model.write(to: path)
    let loaded = try ModelFile<Float>.read(from: path)
    #expect(loaded.network == model.network)
    #expect(loaded.classNames == ["a", "b", "c"])
    #expect(loaded.input.standardization == run.standardization)
    #expect(loaded.training?.configuration == model.training?.configuration)
    #expect(loaded.training?.step == 10)   // 200 samples less the 20% split, in batches of 16
  }

  @Test("the validation split holds out ⌊N·split⌉ samples and keeps the rest for training")
  func validationSplit() throws {
    let run = try TrainingRun<Float>(configuration: Self.configuration(epochs: 1, optimizer: .sgd), data: Self.data())
    #expect(run.training.count == 160)
    #expect(run.validation?.count == 40)
  }

  @Test("a model file that is not Backprop's, or from a newer version, is refused with a reason")
  func foreignAndNewer() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("foreign-\(UUID().uuidString).safetensors").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try Safetensors(tensors: ["w": try .init(floats: [1, 2], shape: [2])], metadata: ["format": "pt"]).write(to: path)
    do {
      _ = try ModelFile<Float>.read(from: path)
      Issue.record("expected an error")
    } catch {
      #expect("\(error)".contains("Backprop model"), "\(error)")
    }
    try Safetensors(tensors: [:], metadata: ["format": "backprop", "format_version": "2", "backprop": "{}"]).write(to: path)
    do {
      _ = try ModelFile<Float>.read(from: path)
      Issue.record("expected an error")
    } catch {
      #expect("\(error)".contains("upgrade Backprop"), "\(error)")
    }
  }
}

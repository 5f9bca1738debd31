import Backprop
import Foundation
import Testing

/// Early stopping: it stops `patience` epochs after the lowest validation loss, restores that epoch's parameters,
/// and a run saved and resumed in the middle ends on the same bits.
@Suite("Early stopping")
struct EarlyStoppingTests {
  /// A noisy regression problem a large network overfits, so the validation loss turns up.
  static func data() throws -> Dataset {
    var g = SeededGenerator(seed: 3)
    let n = 60
    let x = (0..<n).map { _ in Float(g.nextUniform(in: -1, 1)) }
    var data = try Dataset(features: .floats(x), count: n, featureCount: 1, labels: nil, classNames: [], source: "noisy")
    try data.setTargets(x.map { $0 * $0 + Float(g.nextUniform(in: -0.5, 0.5)) }, names: ["y"], task: .regression)
    return data
  }

  static func configuration(patience: Int?) -> TrainingConfiguration {
    var configuration = TrainingConfiguration(
      sizes: [1, 64, 64, 1], activations: [.tanh, .tanh, .linear], loss: .meanSquaredError,
      optimizer: OptimizerSettings(kind: .adam, learningRate: 0.01), batchSize: 8, epochs: 150, seed: 5,
      validationSplit: 0.3, standardize: true)
    configuration.earlyStopping = patience
    return configuration
  }

  @Test("stops patience epochs after the best validation loss and restores that epoch's parameters")
  func stopsAndRestores() throws {
    let data = try Self.data()
    var run = try TrainingRun<Float>(configuration: Self.configuration(patience: 5), data: data)
    var losses: [Double] = []
    var networks: [Network<Float>] = []
    while !run.isFinished {
      losses.append(try run.runEpoch().validation!.loss)
      networks.append(run.network)
    }
    let best = losses.indices.min { losses[$0] < losses[$1] }!
    #expect(run.stoppedEarly)
    #expect(run.epoch == best + 1 + 5)
    #expect(run.restoreBest() == best + 1)
    #expect(run.network.layers.map(\.weights) == networks[best].layers.map(\.weights))
  }

  @Test("a run saved mid-way and resumed ends on the same best epoch and bits as one straight run")
  func resumes() throws {
    let data = try Self.data()
    var straight = try TrainingRun<Float>(configuration: Self.configuration(patience: 5), data: data)
    while !straight.isFinished { _ = try straight.runEpoch() }
    var first = try TrainingRun<Float>(configuration: Self.configuration(patience: 5), data: data)
    for _ in 0..<3 { _ = try first.runEpoch() }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-early-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("c.safetensors").path
    try first.checkpoint(classNames: [], input: InputDescription(features: 1, scaling: .none)).write(to: path)
    var resumed = try TrainingRun<Float>(resuming: ModelFile<Float>.read(from: path), data: data)
    while !resumed.isFinished { _ = try resumed.runEpoch() }
    #expect(resumed.epoch == straight.epoch)
    #expect(resumed.restoreBest() == straight.restoreBest())
    #expect(resumed.network.layers.map(\.weights) == straight.network.layers.map(\.weights))
  }
}

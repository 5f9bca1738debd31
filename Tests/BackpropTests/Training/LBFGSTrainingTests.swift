import Backprop
import Foundation
import Testing

/// L-BFGS as a training run's optimizer: full-batch epochs, checkpoints without extra state, bit-exact resume.
@Suite("L-BFGS training runs")
struct LBFGSTrainingTests {
  static func data() throws -> Dataset {
    var g = SeededGenerator(seed: 12)
    let x = (0..<80).map { _ in Float(g.nextUniform(in: -1, 1)) }
    var data = try Dataset(features: .floats(x), count: 40, featureCount: 2, labels: nil, classNames: [], source: "plane")
    data.featureNames = ["a", "b"]
    try data.setTargets((0..<40).map { 3 * x[2 * $0] - x[2 * $0 + 1] }, names: ["y"], task: .regression)
    return data
  }

  static var configuration: TrainingConfiguration {
    var configuration = TrainingConfiguration(
      sizes: [2, 6, 1], activations: [.tanh, .linear], loss: .meanSquaredError,
      optimizer: OptimizerSettings(kind: .lbfgs, learningRate: 1), batchSize: 40, epochs: 4, seed: 3)
    configuration.l2 = 1e-4
    return configuration
  }

  @Test("each epoch lowers the full-batch cost, and a resumed run ends on the same bits")
  func trainsAndResumes() throws {
    let data = try Self.data()
    var straight = try TrainingRun<Float>(configuration: Self.configuration, data: data)
    var losses: [Double] = []
    while !straight.isFinished { losses.append(try straight.runEpoch().trainingLoss) }
    #expect(losses[1] < losses[0] / 10)
    #expect(zip(losses, losses.dropFirst()).allSatisfy { $1 <= $0 })

    var first = try TrainingRun<Float>(configuration: Self.configuration, data: data)
    _ = try first.runEpoch()
    _ = try first.runEpoch()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-lbfgs-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("c.safetensors").path
    try first.checkpoint(classNames: [], input: InputDescription(features: 2, scaling: .none)).write(to: path)
    let file = try ModelFile<Float>.read(from: path)
    #expect(file.training?.step ?? 0 > 0)  // the iterations taken
    var resumed = try TrainingRun<Float>(resuming: file, data: data)
    while !resumed.isFinished { _ = try resumed.runEpoch() }
    #expect(resumed.network.layers.map(\.weights) == straight.network.layers.map(\.weights))
  }

  @Test("dropout and a schedule are refused with L-BFGS: its line search needs one cost, and it has no η")
  func refusals() {
    var withDropout = Self.configuration
    withDropout.dropout = 0.5
    #expect(throws: BackpropError.self) { try withDropout.validate() }
    var withSchedule = Self.configuration
    withSchedule.schedule = .exponential(factor: 0.9)
    #expect(throws: BackpropError.self) { try withSchedule.validate() }
    #expect(throws: BackpropError.self) { try OptimizerSettings(kind: .lbfgs, learningRate: 1).make() }
    #expect((try? OptimizerSettings(kind: .lbfgs, learningRate: 1).stateNames()) == [])
  }
}

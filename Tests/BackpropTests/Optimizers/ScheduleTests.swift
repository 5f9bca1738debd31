import Backprop
import Foundation
import Testing

/// Learning-rate schedules against PyTorch's formulas written out by hand, and a plateau schedule through a
/// checkpoint and resume.
@Suite("Learning-rate schedules")
struct ScheduleTests {
  @Test("step, exponential and cosine with warm-up give PyTorch's rates epoch by epoch")
  func rates() throws {
    let step = try LearningRateSchedule(parsing: "step:2:0.5")
    #expect((0..<5).map { step.rate(base: 0.8, epoch: $0, epochs: 5) } == [0.8, 0.8, 0.4, 0.4, 0.2])
    let exponential = try LearningRateSchedule(parsing: "exponential:0.5")
    #expect((0..<3).map { exponential.rate(base: 1, epoch: $0, epochs: 3) } == [1, 0.5, 0.25])
    // Warm-up 2 of 6 epochs: 1/2, 2/2 of η₀, then CosineAnnealingLR over T = 4: ½(1 + cos(πk/4)), k = 0…3.
    let cosine = try LearningRateSchedule(parsing: "cosine:2")
    let rates = (0..<6).map { cosine.rate(base: 0.1, epoch: $0, epochs: 6) }
    let expected = [0.05, 0.1] + (0..<4).map { 0.05 * (1 + cos(Double.pi * Double($0) / 4)) }
    #expect(zip(rates, expected).allSatisfy { abs($0 - $1) < 1e-17 })
    #expect(abs(rates[3] - 0.05 * (1 + 0.5.squareRoot() / 1)) < 1e-15)  // cos(π/4) = √½
  }

  @Test("plateau: the factor drops after more than `patience` epochs without a loss below best·(1 − 1e-4)")
  func plateau() {
    var state = PlateauState()
    for loss in [1.0, 0.5, 0.49999, 0.6, 0.5] { state.observe(loss, patience: 2, decay: 0.1) }
    // 1.0 and 0.5 improve; 0.49999 is within the 1e-4 threshold, 0.6 and 0.5 are not better: 3 bad epochs > 2.
    #expect(state.factor == 0.1 && state.badEpochs == 0 && state.best == 0.5)
  }

  @Test("bad schedules are refused with what is expected")
  func invalid() {
    for text in ["linear", "step", "step:0", "exponential:1.5", "plateau:3:0", "cosine:-1", "step:2:0.5:9"] {
      #expect(throws: BackpropError.self, "\(text)") { try LearningRateSchedule(parsing: text) }
    }
  }

  @Test("a plateau schedule resumed from a checkpoint follows the same rates and ends on the same bits")
  func resumes() throws {
    var g = SeededGenerator(seed: 8)
    let x = (0..<40).map { _ in Float(g.nextUniform(in: -1, 1)) }
    var data = try Dataset(features: .floats(x), count: 40, featureCount: 1, labels: nil, classNames: [], source: "line")
    try data.setTargets(x.map { 2 * $0 + Float(g.nextUniform(in: -0.3, 0.3)) }, names: ["y"], task: .regression)
    var configuration = TrainingConfiguration(
      sizes: [1, 8, 1], activations: [.tanh, .linear], loss: .meanSquaredError,
      optimizer: OptimizerSettings(kind: .sgd, learningRate: 0.3), batchSize: 10, epochs: 12, seed: 2)
    configuration.schedule = .plateau(patience: 1, factor: 0.5)
    var straight = try TrainingRun<Float>(configuration: configuration, data: data)
    var rates: [Double] = []
    while !straight.isFinished { rates.append(try straight.runEpoch().learningRate) }
    #expect(rates.first == 0.3 && rates.last! < 0.3)  // the loss flattens, so η was cut at least once

    var first = try TrainingRun<Float>(configuration: configuration, data: data)
    for _ in 0..<6 { _ = try first.runEpoch() }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-schedule-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("c.safetensors").path
    try first.checkpoint(classNames: [], input: InputDescription(features: 1, scaling: .none)).write(to: path)
    var resumed = try TrainingRun<Float>(resuming: ModelFile<Float>.read(from: path), data: data)
    var later: [Double] = []
    while !resumed.isFinished { later.append(try resumed.runEpoch().learningRate) }
    #expect(later == Array(rates[6...]))
    #expect(resumed.network.layers.map(\.weights) == straight.network.layers.map(\.weights))
  }
}

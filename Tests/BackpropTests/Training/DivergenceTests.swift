import Backprop
import Foundation
import Testing

/// Divergence stops training in the step it shows, naming the epoch, step and layer; gradient clipping scales a
/// step's gradient to the given global norm.
@Suite("Divergence and gradient clipping")
struct DivergenceTests {
  static func data() throws -> Dataset {
    var data = try Dataset(features: .floats([1, 2, 3, 4, 5, 6]), count: 6, featureCount: 1, labels: nil, classNames: [], source: "line")
    try data.setTargets([2, 4, 6, 8, 10, 12], names: ["y"], task: .regression)
    return data
  }

  @Test("a learning rate of 1e3 stops the run in the step whose cost is not finite, naming epoch, step and a hint")
  func divergenceIsNamed() throws {
    let configuration = TrainingConfiguration(
      sizes: [1, 4, 1], activations: [.tanh, .linear], loss: .meanSquaredError,
      optimizer: OptimizerSettings(kind: .sgd, learningRate: 1e3), batchSize: 2, epochs: 50, seed: 1)
    var run = try TrainingRun<Double>(configuration: configuration, data: try Self.data())
    do {
      while !run.isFinished { _ = try run.runEpoch() }
      Issue.record("expected divergence")
    } catch let error as BackpropError {
      guard case .diverged(let epoch, let step, _, let cost, _) = error else { Issue.record("\(error)"); return }
      #expect(epoch == run.epoch + 1 && step >= 1 && !cost.isFinite)
      #expect("\(error)".hasPrefix("training diverged at epoch \(run.epoch + 1), step \(step): the cost is"))
      #expect("\(error)".contains("lower the learning rate"))
      // The epoch that diverged is not counted, and the parameters are finite (the failing step was not applied).
      #expect(run.network.layers.allSatisfy { $0.weights.scalars.allSatisfy(\.isFinite) })
    }
  }

  @Test("clipping scales a gradient above the norm c by c/G (checked against the step computed by hand)")
  func clipping() throws {
    var g = SeededGenerator(seed: 4)
    var network = try Network<Double>(sizes: [3, 4, 2], activations: [.tanh, .linear], loss: .meanSquaredError, using: &g)
    let x = try Matrix<Double>(rows: 3, columns: 5, scalars: (0..<15).map { _ in g.nextUniform(in: -3, 3) })
    let y = try Matrix<Double>(rows: 2, columns: 5, scalars: (0..<10).map { _ in g.nextUniform(in: -9, 9) })
    let gradients = try network.gradients(inputs: x, targets: y)
    let norm = (gradients.weights.flatMap(\.scalars) + gradients.biases.flatMap { $0 }).reduce(0) { $0 + $1 * $1 }.squareRoot()
    let c = norm / 4, eta = 0.1
    var expected = network
    var manual = Trainer<Double>(optimizer: try GradientDescent(learningRate: eta * c / norm))
    try manual.apply(gradients, to: &expected)
    var trainer = Trainer<Double>(optimizer: try GradientDescent(learningRate: eta))
    trainer.gradientClip = c
    _ = try trainer.step(&network, inputs: x, targets: y)
    for (a, b) in zip(network.layers, expected.layers) {
      for (u, v) in zip(a.weights.scalars, b.weights.scalars) { #expect(abs(u - v) <= 1e-13 * max(1, abs(v))) }
      for (u, v) in zip(a.biases, b.biases) { #expect(abs(u - v) <= 1e-13 * max(1, abs(v))) }
    }
    // A norm above the gradient's leaves the step as it was, bit for bit.
    var unclipped = Trainer<Double>(optimizer: try GradientDescent(learningRate: eta)), plain = unclipped
    unclipped.gradientClip = norm * 2
    var a = try Network<Double>(sizes: [3, 4, 2], activations: [.tanh, .linear], loss: .meanSquaredError, using: &g)
    var b = a
    _ = try unclipped.step(&a, inputs: x, targets: y)
    _ = try plain.step(&b, inputs: x, targets: y)
    #expect(a == b)
  }

  @Test("with clipping, the learning rate that diverged trains to a finite network")
  func clippingPreventsDivergence() throws {
    var configuration = TrainingConfiguration(
      sizes: [1, 4, 1], activations: [.tanh, .linear], loss: .meanSquaredError,
      optimizer: OptimizerSettings(kind: .sgd, learningRate: 1e3), batchSize: 2, epochs: 5, seed: 1)
    configuration.gradientClip = 1e-3
    var run = try TrainingRun<Double>(configuration: configuration, data: try Self.data())
    while !run.isFinished { _ = try run.runEpoch() }
    #expect(run.network.layers.allSatisfy { $0.weights.scalars.allSatisfy(\.isFinite) })
  }
}

@testable import Backprop
import BackpropTestSupport
import CBackpropKernels
import Foundation
import Testing

@Suite("Gradient descent with momentum")
struct GradientDescentTests {
  /// Steps `rule` over `gradients` from `w`, the state starting at zero, as the trainer does.
  static func run<Scalar: BackpropScalar>(_ rule: GradientDescent, w: [Scalar], gradients: [[Scalar]])
    -> (w: [Scalar], state: [Scalar])
  {
    var w = w, state = [Scalar](repeating: 0, count: rule.stateNames.count * w.count)
    for (index, g) in gradients.enumerated() {
      w.withUnsafeMutableBufferPointer { wp in
        g.withUnsafeBufferPointer { gp in
          state.withUnsafeMutableBufferPointer { rule.update(wp, gradient: gp, state: $0, step: index + 1) }
        }
      }
    }
    return (w, state)
  }

  /// PyTorch's rule for `torch.optim.SGD` as its documentation writes it (dampening 0), written out here on its
  /// own in Double: b = g at the first step, then b = μ·b + g; the step is along g + μ·b (Nesterov) or b.
  static func pytorch(w: [Double], gradients: [[Double]], eta: Double, mu: Double, nesterov: Bool)
    -> (w: [Double], velocity: [Double])
  {
    var w = w, b: [Double]? = nil
    for g in gradients {
      let velocity = b.map { b in zip(b, g).map { mu * $0 + $1 } } ?? g
      let direction = nesterov ? zip(g, velocity).map { $0 + mu * $1 } : velocity
      w = zip(w, direction).map { $0 - eta * $1 }
      b = velocity
    }
    return (w, b ?? [])
  }

  static let w0: [Double] = [0.5, -1, 2]
  static let gradients: [[Double]] = [[0.2, -0.4, 1], [0.1, 0.3, -0.5], [-0.25, 0.05, 0.75]]

  /// Three steps of η = 0.1, μ = 0.9, worked by hand and checked in Python (Float64) with this script, which
  /// prints the same numbers to rounding (0.4518, -0.9536, 1.7489999999999999; 0.45161999999999997, …):
  ///
  ///     def sgd(w, gradients, lr, mu, nesterov):
  ///         b = None
  ///         for g in gradients:
  ///             b = list(g) if b is None else [mu * bi + gi for bi, gi in zip(b, g)]
  ///             d = [gi + mu * bi for gi, bi in zip(g, b)] if nesterov else b
  ///             w = [wi - lr * di for wi, di in zip(w, d)]
  ///         return w, b
  ///     gs = [[0.2, -0.4, 1.0], [0.1, 0.3, -0.5], [-0.25, 0.05, 0.75]]
  ///     print(sgd([0.5, -1.0, 2.0], gs, 0.1, 0.9, False), sgd([0.5, -1.0, 2.0], gs, 0.1, 0.9, True))
  ///
  /// By hand, momentum: v = g₁ = (0.2, −0.4, 1), w = (0.48, −0.96, 1.9); v = (0.28, −0.06, 0.4),
  /// w = (0.452, −0.954, 1.86); v = (0.002, −0.004, 1.11), w = (0.4518, −0.9536, 1.749). Nesterov takes the steps
  /// 1.9·g₁ = (0.38, −0.76, 1.9), then (0.352, 0.246, −0.14), then (−0.2482, 0.0464, 1.749).
  @Test("three steps of momentum and of Nesterov momentum match PyTorch's rule, worked by hand", arguments: [false, true])
  func handWorkedTrajectory(nesterov: Bool) throws {
    let expectedW: [Double] = nesterov ? [0.45162, -0.95324, 1.6491] : [0.4518, -0.9536, 1.749]
    let expectedV: [Double] = [0.002, -0.004, 1.11]
    let (w, v) = Self.run(try GradientDescent(learningRate: 0.1, momentum: 0.9, nesterov: nesterov), w: Self.w0,
                          gradients: Self.gradients)
    for i in 0..<3 {
      #expect(abs(w[i] - expectedW[i]) < 1e-14, "w[\(i)] = \(w[i])")
      #expect(abs(v[i] - expectedV[i]) < 1e-14, "v[\(i)] = \(v[i])")
    }
    let reference = Self.pytorch(w: Self.w0, gradients: Self.gradients, eta: 0.1, mu: 0.9, nesterov: nesterov)
    for i in 0..<3 {
      #expect(abs(w[i] - reference.w[i]) <= 1e-15 * max(1, abs(w[i])))
      #expect(abs(v[i] - reference.velocity[i]) <= 1e-15 * max(1, abs(v[i])))
    }
  }

  static func randomProblem(n: Int, seed: UInt64) -> (w: [Float], gradients: [[Float]]) {
    var g = SeededGenerator(seed: seed)
    let w = (0..<n).map { _ in Float(g.nextUniform(in: -1, 1)) }
    let gradients = (0..<4).map { _ in (0..<n).map { _ in Float(g.nextUniform(in: -0.5, 0.5)) } }
    return (w, gradients)
  }

  /// The rule in Swift, in Float, grouped as GradientDescent.swift and optimizers.c group it.
  static func swiftFloat(w: [Float], gradients: [[Float]], eta: Float, mu: Float, nesterov: Bool) -> ([Float], [Float]) {
    var w = w, v = [Float](repeating: 0, count: w.count)
    for g in gradients {
      for i in w.indices {
        v[i] = mu * v[i] + g[i]
        w[i] -= nesterov ? eta * (g[i] + mu * v[i]) : eta * v[i]
      }
    }
    return (w, v)
  }

  @Test("the C loop gives the Swift loop's bits in Float, on every instruction set", arguments: [false, true])
  func sameBitsEverywhere(nesterov: Bool) throws {
    let (w0, gradients) = Self.randomProblem(n: 1003, seed: 8)
    let (w, v) = Self.swiftFloat(w: w0, gradients: gradients, eta: 0.05, mu: 0.8, nesterov: nesterov)
    let rule = try GradientDescent(learningRate: 0.05, momentum: 0.8, nesterov: nesterov)
    for isa in [BP_ISA_GENERIC, BP_ISA_AVX2] where isa.rawValue <= bp_isa_detected().rawValue {
      #expect(bp_isa_force(isa) == 1)
      let (weights, state) = Self.run(rule, w: w0, gradients: gradients)
      #expect(weights.map(\.bitPattern) == w.map(\.bitPattern), "\(String(cString: bp_isa_name(isa)))")
      #expect(state.map(\.bitPattern) == v.map(\.bitPattern), "\(String(cString: bp_isa_name(isa)))")
    }
    _ = bp_isa_force(bp_isa_detected())
  }

  @Test("split over 2 and 3 threads, the C loop still gives the Swift loop's bits", arguments: [false, true])
  func sameBitsOnThreads(nesterov: Bool) throws {
    let (w0, gradients) = Self.randomProblem(n: 70_001, seed: 9)   // above the 65,536 elements that split
    let (w, v) = Self.swiftFloat(w: w0, gradients: gradients, eta: 0.05, mu: 0.8, nesterov: nesterov)
    let rule = try GradientDescent(learningRate: 0.05, momentum: 0.8, nesterov: nesterov)
    for threads in [2, 3] {
      ComputeThreads.count = threads
      let (weights, state) = Self.run(rule, w: w0, gradients: gradients)
      #expect(weights.map(\.bitPattern) == w.map(\.bitPattern), "\(threads) threads")
      #expect(state.map(\.bitPattern) == v.map(\.bitPattern), "\(threads) threads")
    }
    ComputeThreads.count = 1
  }

  @Test("Float (the C loop) follows the Double reference to Float's rounding", arguments: [false, true])
  func floatFollowsDouble(nesterov: Bool) throws {
    let (w0, gradients) = Self.randomProblem(n: 257, seed: 10)
    let rule = try GradientDescent(learningRate: 0.1, momentum: 0.9, nesterov: nesterov)
    let (w, v) = Self.run(rule, w: w0, gradients: gradients)
    let reference = Self.pytorch(
      w: w0.map(Double.init), gradients: gradients.map { $0.map(Double.init) }, eta: 0.1, mu: 0.9, nesterov: nesterov)
    for i in w.indices {
      #expect(abs(Double(w[i]) - reference.w[i]) <= 1e-5 * max(1, abs(reference.w[i])), "w[\(i)]")
      #expect(abs(Double(v[i]) - reference.velocity[i]) <= 1e-5 * max(1, abs(reference.velocity[i])), "v[\(i)]")
    }
  }

  @Test("without momentum: no state, and the step is w − η·g exactly, in Float and Double")
  func plainIsUnchanged() throws {
    let rule = try GradientDescent(learningRate: 0.3)
    #expect(rule.stateNames.isEmpty && rule.momentum == 0 && !rule.nesterov)
    #expect(try GradientDescent(learningRate: 0.3, momentum: 0.5).stateNames == ["velocity"])
    let (w0, gradients) = Self.randomProblem(n: 300, seed: 11)
    var expected = w0
    for g in gradients { for i in expected.indices { expected[i] -= Float(0.3) * g[i] } }
    #expect(Self.run(rule, w: w0, gradients: gradients).w.map(\.bitPattern) == expected.map(\.bitPattern))
    let doubles = w0.map(Double.init), doubleGradients = gradients.map { $0.map(Double.init) }
    var expectedDouble = doubles
    for g in doubleGradients { for i in expectedDouble.indices { expectedDouble[i] -= 0.3 * g[i] } }
    #expect(Self.run(rule, w: doubles, gradients: doubleGradients).w == expectedDouble)
  }

  @Test("bad momentum is rejected with its value; Nesterov needs a momentum; Adam takes none")
  func validation() {
    #expect(throws: BackpropError.self) { try GradientDescent(learningRate: 0.1, momentum: -0.1) }
    #expect(throws: BackpropError.self) { try GradientDescent(learningRate: 0.1, momentum: 1) }
    #expect(throws: BackpropError.self) { try GradientDescent(learningRate: 0.1, momentum: .nan) }
    #expect(throws: BackpropError.self) { try GradientDescent(learningRate: 0.1, nesterov: true) }
    #expect(throws: BackpropError.self) { try OptimizerSettings(kind: .adam, learningRate: 0.1, momentum: 0.9).make() }
    #expect(throws: Never.self) { try OptimizerSettings(kind: .sgd, learningRate: 0.1, momentum: 0.9, nesterov: true).make() }
  }

  @Test("settings without momentum are written as before, and read back from files that predate it")
  func settingsCoding() throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let plain = String(decoding: try encoder.encode(OptimizerSettings(kind: .sgd, learningRate: 0.1)), as: UTF8.self)
    #expect(plain == #"{"beta1":0.9,"beta2":0.999,"epsilon":1e-08,"kind":"sgd","learningRate":0.1}"#)
    let old = try JSONDecoder().decode(OptimizerSettings.self, from: Data(plain.utf8))
    #expect(old == OptimizerSettings(kind: .sgd, learningRate: 0.1))
    let nesterov = OptimizerSettings(kind: .sgd, learningRate: 0.1, momentum: 0.9, nesterov: true)
    #expect(try JSONDecoder().decode(OptimizerSettings.self, from: encoder.encode(nesterov)) == nesterov)
    let rule = try JSONDecoder().decode(GradientDescent.self, from: Data(#"{"learningRate":0.5}"#.utf8))
    #expect(rule == (try GradientDescent(learningRate: 0.5)))
  }

  /// 200 samples of 6 byte-valued features in 3 classes.
  static func configuration(epochs: Int, nesterov: Bool) -> TrainingConfiguration {
    TrainingConfiguration(
      sizes: [6, 8, 3], activations: [.relu, .softmax], loss: .crossEntropy,
      optimizer: OptimizerSettings(kind: .sgd, learningRate: 0.05, momentum: 0.9, nesterov: nesterov),
      batchSize: 16, epochs: epochs, seed: 5, validationSplit: 0.2, standardize: true)
  }

  @Test("the velocity is saved in checkpoints: 2 epochs, save, resume for 1 == 3 straight, bit for bit",
        arguments: [false, true])
  func resumeIsBitExact(nesterov: Bool) throws {
    let data = try Dataset.synthetic(count: 200, features: 6, classNames: ["a", "b", "c"], noise: 128, signal: 100, seed: 12)
    let input = InputDescription(features: 6, scaling: .divideBy255)
    var straight = try TrainingRun<Float>(configuration: Self.configuration(epochs: 3, nesterov: nesterov), data: data)
    while !straight.isFinished { _ = try straight.runEpoch() }

    var first = try TrainingRun<Float>(configuration: Self.configuration(epochs: 2, nesterov: nesterov), data: data)
    while !first.isFinished { _ = try first.runEpoch() }
    let model = first.checkpoint(classNames: data.classNames, input: input)
    let container = try model.container()
    #expect(container.tensors["optimizer.layers.0.weight.velocity"]?.shape == [8, 6])
    #expect(container.tensors["optimizer.layers.1.bias.velocity"]?.shape == [3])
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("momentum-\(UUID().uuidString).safetensors").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try model.write(to: path)

    let loaded = try ModelFile<Float>.read(from: path)
    #expect(loaded.training?.configuration.optimizer == Self.configuration(epochs: 2, nesterov: nesterov).optimizer)
    #expect(loaded.training?.optimizerState == model.training?.optimizerState)
    #expect(loaded.training?.optimizerState.first?.contains { $0 != 0 } == true)
    var resumed = try TrainingRun<Float>(resuming: loaded, data: data, epochs: 3)
    while !resumed.isFinished { _ = try resumed.runEpoch() }
    #expect(resumed.network == straight.network)
    #expect(resumed.checkpoint(classNames: [], input: input).training?.optimizerState
      == straight.checkpoint(classNames: [], input: input).training?.optimizerState)
  }

  @Test("momentum trains a network faster than plain gradient descent at the same η")
  func trainsFaster() throws {
    let x = try Matrix<Double>(rows: [[0, 0, 1, 1], [0, 1, 0, 1]]), y = try Matrix<Double>(rows: [[0, 1, 1, 0]])
    var costs: [Double] = []
    for momentum in [0, 0.9] {
      var generator = SeededGenerator(seed: 3)
      var network = try Network<Double>(
        sizes: [2, 4, 1], activations: [.tanh, .sigmoid], loss: .binaryCrossEntropy, using: &generator)
      var trainer = Trainer<Double>(optimizer: try GradientDescent(learningRate: 0.1, momentum: momentum))
      for _ in 0..<300 { _ = try trainer.step(&network, inputs: x, targets: y) }
      costs.append(try network.cost(inputs: x, targets: y))
      #expect(trainer.state[0].count == (momentum == 0 ? 0 : 4 * 2))   // a velocity like W[1], or none
    }
    #expect(costs[1] < costs[0])
  }
}

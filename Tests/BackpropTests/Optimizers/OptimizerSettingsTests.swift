@testable import Backprop
import BackpropTestSupport
import Foundation
import Testing

@Suite("Optimizer settings, training and resume for AdamW, RMSprop, Adagrad and Rprop")
struct OptimizerSettingsTests {
  static let newKinds: [OptimizerSettings.Kind] = [.adamw, .rmsprop, .adagrad, .rprop]

  @Test("each kind makes its rule with PyTorch's defaults")
  func defaults() throws {
    func made(_ kind: OptimizerSettings.Kind) throws -> any Optimizer {
      try OptimizerSettings(kind: kind, learningRate: kind.defaultLearningRate).make()
    }
    #expect(try made(.adamw) as? AdamW == (try AdamW()))
    #expect(try made(.rmsprop) as? RMSprop == (try RMSprop()))
    #expect(try made(.adagrad) as? Adagrad == (try Adagrad()))
    #expect(try made(.rprop) as? Rprop == (try Rprop()))
    let adamWDecay = try AdamW().weightDecay, adagradEpsilon = try Adagrad().epsilon, alpha = try RMSprop().alpha
    #expect(adamWDecay == 0.01 && adagradEpsilon == 1e-10 && alpha == 0.99)
    #expect(OptimizerSettings.Kind.allCases.map(\.defaultLearningRate) == [0.1, 1e-3, 1e-3, 1e-2, 1e-2, 1e-2, 1])
    let rmsprop = try OptimizerSettings(kind: .rmsprop, learningRate: 0.02, momentum: 0.5, alpha: 0.9).make()
    #expect(rmsprop as? RMSprop == (try RMSprop(learningRate: 0.02, alpha: 0.9, momentum: 0.5)))
    #expect(rmsprop.stateNames == ["v", "velocity"])
    let adamW = try OptimizerSettings(kind: .adamw, learningRate: 0.01, weightDecay: 0.1).make()
    #expect(adamW as? AdamW == (try AdamW(learningRate: 0.01, weightDecay: 0.1)))
  }

  @Test("a hyperparameter given to a rule that has none is refused, naming the rules that take it")
  func misplaced() {
    for kind in [OptimizerSettings.Kind.adam, .adamw, .adagrad, .rprop] {
      #expect(throws: BackpropError.self) { try OptimizerSettings(kind: kind, learningRate: 0.1, momentum: 0.9).make() }
    }
    for kind in OptimizerSettings.Kind.allCases where kind != .adamw {
      #expect(throws: BackpropError.self) { try OptimizerSettings(kind: kind, learningRate: 0.1, weightDecay: 0.1).make() }
    }
    do {
      _ = try OptimizerSettings(kind: .rmsprop, learningRate: 0.1, momentum: 0.9, nesterov: true).make()
      Issue.record("expected Nesterov to be refused for RMSprop")
    } catch {
      #expect("\(error)".contains("nesterov") && "\(error)".contains("sgd"), "\(error)")
    }
  }

  @Test("settings are written as before for SGD and Adam, and each new kind reads back equal")
  func coding() throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    func json(_ settings: OptimizerSettings) throws -> String { String(decoding: try encoder.encode(settings), as: UTF8.self) }
    #expect(try json(OptimizerSettings(kind: .adam, learningRate: 0.001))
      == #"{"beta1":0.9,"beta2":0.999,"epsilon":1e-08,"kind":"adam","learningRate":0.001}"#)
    #expect(try json(OptimizerSettings(kind: .adamw, learningRate: 0.001))
      == #"{"beta1":0.9,"beta2":0.999,"epsilon":1e-08,"kind":"adamw","learningRate":0.001,"weightDecay":0.01}"#)
    #expect(try json(OptimizerSettings(kind: .adagrad, learningRate: 0.01))
      == #"{"beta1":0.9,"beta2":0.999,"epsilon":1e-10,"kind":"adagrad","learningRate":0.01}"#)
    #expect(try json(OptimizerSettings(kind: .rmsprop, learningRate: 0.01)).contains(#""alpha":0.99"#))
    let all = [
      OptimizerSettings(kind: .adamw, learningRate: 0.002, weightDecay: 0.3),
      OptimizerSettings(kind: .adamw, learningRate: 0.002, weightDecay: 0),
      OptimizerSettings(kind: .rmsprop, learningRate: 0.01, momentum: 0.8, alpha: 0.95),
      OptimizerSettings(kind: .adagrad, learningRate: 0.05),
      OptimizerSettings(kind: .rprop, learningRate: 0.02),
    ]
    for settings in all {
      #expect(try JSONDecoder().decode(OptimizerSettings.self, from: encoder.encode(settings)) == settings)
    }
    // A file from before these options: no weightDecay or alpha.
    let old = try JSONDecoder().decode(OptimizerSettings.self, from: Data(
      #"{"beta1":0.9,"beta2":0.999,"epsilon":1e-08,"kind":"sgd","learningRate":0.1,"momentum":0.9}"#.utf8))
    #expect(old == OptimizerSettings(kind: .sgd, learningRate: 0.1, momentum: 0.9))
    #expect(old.weightDecay == 0 && old.alpha == 0.99)
  }

  /// 192 samples of 6 byte-valued features in 3 classes, no validation split: 3 batches of 64, or one of 192 for
  /// Rprop, which is for full batches.
  static func configuration(_ kind: OptimizerSettings.Kind, epochs: Int) -> TrainingConfiguration {
    let settings = switch kind {
    case .rmsprop: OptimizerSettings(kind: .rmsprop, learningRate: 0.005, momentum: 0.5, alpha: 0.9)
    case .adamw: OptimizerSettings(kind: .adamw, learningRate: 0.01, weightDecay: 0.1)
    default: OptimizerSettings(kind: kind, learningRate: kind.defaultLearningRate * 5)
    }
    return TrainingConfiguration(
      sizes: [6, 8, 3], activations: [.tanh, .softmax], loss: .crossEntropy, optimizer: settings,
      batchSize: kind == .rprop ? 192 : 64, epochs: epochs, seed: 5, standardize: true)
  }

  /// Epochs per 3 steps.
  static func epochs(for kind: OptimizerSettings.Kind, steps: Int) -> Int { kind == .rprop ? steps : steps / 3 }

  @Test("3 steps, save through ModelFile, load, 3 more == 6 straight, bit for bit", arguments: newKinds)
  func resumeIsBitExact(kind: OptimizerSettings.Kind) throws {
    let data = try Dataset.synthetic(count: 192, features: 6, classNames: ["a", "b", "c"], noise: 128, signal: 60, seed: 13)
    let input = InputDescription(features: 6, scaling: .divideBy255)
    var straight = try TrainingRun<Float>(
      configuration: Self.configuration(kind, epochs: Self.epochs(for: kind, steps: 6)), data: data)
    while !straight.isFinished { _ = try straight.runEpoch() }

    var first = try TrainingRun<Float>(
      configuration: Self.configuration(kind, epochs: Self.epochs(for: kind, steps: 3)), data: data)
    while !first.isFinished { _ = try first.runEpoch() }
    let model = first.checkpoint(classNames: data.classNames, input: input)
    #expect(model.training?.step == 3)
    let rule = try Self.configuration(kind, epochs: 1).optimizer.make()
    let tensors = try model.container().tensors
    for slot in rule.stateNames {
      #expect(tensors["optimizer.layers.0.weight.\(slot)"]?.shape == [8, 6], "\(slot)")
      #expect(tensors["optimizer.layers.1.bias.\(slot)"]?.shape == [3], "\(slot)")
    }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(kind)-\(UUID().uuidString).safetensors").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try model.write(to: path)

    let loaded = try ModelFile<Float>.read(from: path)
    #expect(loaded.training?.configuration.optimizer == Self.configuration(kind, epochs: 1).optimizer)
    let saved = model.training?.optimizerState ?? []
    #expect(loaded.training?.optimizerState.map { $0.map(\.bitPattern) } == saved.map { $0.map(\.bitPattern) })
    // Every slot holds something by now (a state that stayed 0 would resume bit for bit whether saved or not).
    let n = 8 * 6
    for s in rule.stateNames.indices {
      #expect(saved.first?[(s * n)..<((s + 1) * n)].contains { $0 != 0 } == true, "slot \(rule.stateNames[s])")
    }

    var resumed = try TrainingRun<Float>(resuming: loaded, data: data, epochs: Self.epochs(for: kind, steps: 6))
    while !resumed.isFinished { _ = try resumed.runEpoch() }
    #expect(resumed.checkpoint(classNames: [], input: input).training?.step == 6)
    #expect(resumed.network == straight.network)
    #expect(resumed.network != first.network)
    #expect(resumed.checkpoint(classNames: [], input: input).training?.optimizerState.map { $0.map(\.bitPattern) }
      == straight.checkpoint(classNames: [], input: input).training?.optimizerState.map { $0.map(\.bitPattern) })
  }

  @Test("each rule lowers a network's cost on XOR-like data, in Float and Double", arguments: newKinds)
  func trainsANetwork(kind: OptimizerSettings.Kind) throws {
    let eta: [OptimizerSettings.Kind: Double] = [.adamw: 0.05, .rmsprop: 0.01, .adagrad: 0.1, .rprop: 0.01]
    let rule = try OptimizerSettings(kind: kind, learningRate: eta[kind]!).make()
    func run<Scalar: BackpropScalar>(_: Scalar.Type) throws -> (before: Scalar, after: Scalar) {
      var generator = SeededGenerator(seed: 2)
      var network = try Network<Scalar>(
        sizes: [2, 8, 1], activations: [.tanh, .sigmoid], loss: .binaryCrossEntropy, using: &generator)
      let x = try Matrix<Scalar>(rows: [[0, 0, 1, 1], [0, 1, 0, 1]]), y = try Matrix<Scalar>(rows: [[0, 1, 1, 0]])
      var trainer = Trainer<Scalar>(optimizer: rule)
      let before = try network.cost(inputs: x, targets: y)
      for _ in 0..<300 { _ = try trainer.step(&network, inputs: x, targets: y) }
      #expect(trainer.state.count == 4 && trainer.state[0].count == rule.stateNames.count * 16)
      return (before, try network.cost(inputs: x, targets: y))
    }
    let double = try run(Double.self), float = try run(Float.self)
    #expect(double.after < double.before / 10, "\(kind): \(double)")
    #expect(float.after < float.before / 10, "\(kind): \(float)")
  }
}

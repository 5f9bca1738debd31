import Backprop
import BackpropTestSupport
import Foundation
import Testing

/// The L2 penalty and dropout (``Regularization``): their cost, their gradients against finite differences in
/// Float64, that they cost nothing when off, and that evaluation never sees them.
@Suite("Regularization: L2 and dropout")
struct RegularizationTests {
  static func expectMatch(_ analytic: Gradients<Double>, _ numeric: Gradients<Double>, tolerance: Double = 1e-8) {
    for l in analytic.weights.indices {
      let e = normwiseRelativeError(analytic.weights[l].scalars, numeric.weights[l].scalars)
      #expect(e < tolerance, "dW[\(l + 1)]: relative error \(e)")
      let eb = normwiseRelativeError(analytic.biases[l], numeric.biases[l])
      #expect(eb < tolerance, "db[\(l + 1)]: relative error \(eb)")
    }
  }

  static func problem(seed: UInt64, loss: Loss = .crossEntropy, count: Int = 6)
    throws -> (Network<Double>, Matrix<Double>, Matrix<Double>)
  {
    var generator = SeededGenerator(seed: seed)
    let output: Activation = switch loss {
    case .crossEntropy: .softmax
    case .binaryCrossEntropy: .sigmoid
    case .meanSquaredError: .linear
    }
    let network = try Network<Double>(
      sizes: [4, 6, 5, 3], activations: [.tanh, .sigmoid, output], loss: loss, using: &generator)
    let (x, y) = BackpropagationTests.batch(inputs: 4, outputs: 3, count: count, loss: loss, using: &generator)
    return (network, x, y)
  }

  static func trainer(learningRate: Double, _ regularization: Regularization) throws -> Trainer<Double> {
    var trainer = Trainer<Double>(optimizer: try GradientDescent(learningRate: learningRate))
    trainer.regularization = regularization
    return trainer
  }

  // MARK: L2

  @Test("L2: C + (λ/2)·Σ‖W‖² over the weights only, and dW += λ·W, against finite differences (Float64)",
        arguments: Loss.allCases)
  func l2GradientCheck(loss: Loss) throws {
    let (network, x, y) = try Self.problem(seed: 3, loss: loss)
    let regularization = try Regularization(l2: 0.3)
    let plain = try network.cost(inputs: x, targets: y)
    let squares = network.layers.reduce(0.0) { $0 + $1.weights.scalars.reduce(0) { $0 + $1 * $1 } }
    let penalized = try network.cost(inputs: x, targets: y, regularization: regularization)
    #expect(abs(penalized - (plain + 0.15 * squares)) <= 1e-15 * penalized)

    let analytic = try network.gradients(inputs: x, targets: y, regularization: regularization)
    let numeric = try finiteDifferenceGradients(of: network) {
      try $0.cost(inputs: x, targets: y, regularization: regularization)
    }
    Self.expectMatch(analytic, numeric)
    // The biases are not penalized: db is the unregularized one, bit for bit.
    let unregularized = try network.gradients(inputs: x, targets: y)
    #expect(analytic.biases == unregularized.biases)
    for l in analytic.weights.indices {
      let expected = zip(unregularized.weights[l].scalars, network.layers[l].weights.scalars).map { $0 + 0.3 * $1 }
      #expect(analytic.weights[l].scalars == expected)
    }
  }

  @Test("L2 in a training step: plain SGD moves W by −η·(dW + λ·W)")
  func l2Step() throws {
    let (network, x, y) = try Self.problem(seed: 4)
    var trainer = try Self.trainer(learningRate: 0.5, Regularization(l2: 0.01))
    var stepped = network
    let cost = try trainer.step(&stepped, inputs: x, targets: y)
    let g = try network.gradients(inputs: x, targets: y, regularization: trainer.regularization)
    #expect(cost == (try network.cost(inputs: x, targets: y, regularization: trainer.regularization)))
    for l in network.layers.indices {
      let want = zip(network.layers[l].weights.scalars, g.weights[l].scalars).map { $0 - 0.5 * $1 }
      #expect(stepped.layers[l].weights.scalars == want)
    }
  }

  @Test("out-of-range settings are refused")
  func validation() {
    #expect(throws: BackpropError.self) { try Regularization(l2: -1) }
    #expect(throws: BackpropError.self) { try Regularization(l2: .infinity) }
    #expect(throws: BackpropError.self) { try Regularization(dropout: 1) }
    #expect(throws: BackpropError.self) { try Regularization(dropout: -0.1) }
    #expect(throws: BackpropError.self) { try Regularization(dropout: .nan) }
  }

  // MARK: Dropout

  @Test("dropout with p = 0 is bit-identical to no dropout and draws nothing: trace, steps and epochs")
  func dropoutZero() throws {
    let (network, x, y) = try Self.problem(seed: 5)
    var generator = SeededGenerator(seed: 77)
    let before = generator
    let masked = try network.trace(inputs: x, targets: y, regularization: Regularization(dropout: 0), using: &generator)
    let plain = try network.trace(inputs: x, targets: y)
    #expect(generator == before)
    #expect(masked.cost.bitPattern == plain.cost.bitPattern)
    #expect(masked.gradients == plain.gradients)
    #expect(masked.dropoutMasks.isEmpty)

    let data = try Dataset.synthetic(count: 70, features: 12, classNames: ["a", "b", "c"], noise: 100, signal: 90, seed: 2)
    var generatorSeed = SeededGenerator(seed: 3)
    let start = try Network<Float>(sizes: [12, 8, 3], activations: [.relu, .softmax], loss: .crossEntropy, using: &generatorSeed)
    var (a, b) = (start, start)
    var trainerA = Trainer<Float>(optimizer: try GradientDescent(learningRate: 0.1))
    var trainerB = Trainer<Float>(optimizer: try GradientDescent(learningRate: 0.1))
    trainerB.regularization = try Regularization(l2: 0, dropout: 0)
    var ga = SeededGenerator(seed: 8), gb = SeededGenerator(seed: 8)
    for _ in 0..<2 {
      let ca = try trainerA.epoch(&a, on: data, batchSize: 16, using: &ga)
      let cb = try trainerB.epoch(&b, on: data, batchSize: 16, using: &gb)
      #expect(ca.bitPattern == cb.bitPattern)
    }
    #expect(a == b && ga == gb)
  }

  @Test("dropout masks: entries 0 or 1/(1 − p), the share dropped ≈ p, mean ≈ 1 (expected activation kept), within 5 standard errors")
  func dropoutMasks() throws {
    let p = 0.3
    var generator = SeededGenerator(seed: 6)
    let network = try Network<Double>(
      sizes: [10, 200, 150, 4], activations: [.relu, .tanh, .softmax], loss: .crossEntropy, using: &generator)
    let (x, y) = BackpropagationTests.batch(inputs: 10, outputs: 4, count: 64, loss: .crossEntropy, using: &generator)
    let trace = try network.trace(inputs: x, targets: y, regularization: Regularization(dropout: p), using: &generator)
    #expect(trace.dropoutMasks.map(\.shape) == [Shape(rows: 200, columns: 64), Shape(rows: 150, columns: 64)])
    let entries = trace.dropoutMasks.flatMap(\.scalars)
    let kept = 1 / (1 - p)
    #expect(entries.allSatisfy { $0 == 0 || $0 == kept })
    let n = Double(entries.count)
    let dropped = Double(entries.filter { $0 == 0 }.count) / n
    #expect(abs(dropped - p) < 5 * (p * (1 - p) / n).squareRoot(), "dropped \(dropped)")
    // E[M] = (1 − p)·1/(1 − p) = 1, Var[M] = p/(1 − p): the inverted scaling keeps the expected activation.
    let mean = entries.reduce(0, +) / n
    #expect(abs(mean - 1) < 5 * (p / (1 - p) / n).squareRoot(), "mean mask \(mean)")
  }

  @Test("dropout draws one nextUniform() per hidden unit and sample, layer by layer, row-major")
  func dropoutDrawOrder() throws {
    let (network, x, y) = try Self.problem(seed: 7)
    let p = 0.3   // p·2⁵³ is not a whole number: the kernel's integer threshold must round it up
    var generator = SeededGenerator(seed: 40)
    var replay = generator
    let trace = try network.trace(inputs: x, targets: y, regularization: Regularization(dropout: p), using: &generator)
    for mask in trace.dropoutMasks {
      for value in mask.scalars { #expect(value.bitPattern == (replay.nextUniform() < p ? 0 : 1 / (1 - p)).bitPattern) }
    }
    #expect(generator == replay)
    // Float masks hold the same entries rounded, from the same draws.
    var floatGenerator = SeededGenerator(seed: 40)
    let floatNetwork = try Network<Float>(layers: network.layers.map {
      try Dense(weights: Matrix(rows: $0.outputs, columns: $0.inputs, scalars: $0.weights.scalars.map(Float.init)),
                biases: $0.biases.map(Float.init), activation: $0.activation)
    }, loss: network.loss)
    let floatTrace = try floatNetwork.trace(
      inputs: Matrix(rows: x.rows, columns: x.columns, scalars: x.scalars.map(Float.init)),
      targets: Matrix(rows: y.rows, columns: y.columns, scalars: y.scalars.map(Float.init)),
      regularization: Regularization(dropout: p), using: &floatGenerator)
    #expect(floatTrace.dropoutMasks.map { $0.scalars.map(\.bitPattern) }
      == trace.dropoutMasks.map { $0.scalars.map { Float($0).bitPattern } })
    // The masks act as documented: layer 2 reads M[1] ∘ A[1].
    let z2 = product(network.layers[1].weights, trace.dropoutMasks[0] ⊙ trace.a[0])
    for i in 0..<z2.rows {
      for j in 0..<z2.columns { #expect(abs(z2[i, j] + network.layers[1].biases[i] - trace.z[1][i, j]) < 1e-14) }
    }
  }

  @Test("dropout with a fixed mask (the same generator state) against finite differences (Float64), with L2 too",
        arguments: Loss.allCases)
  func dropoutGradientCheck(loss: Loss) throws {
    let (network, x, y) = try Self.problem(seed: 8, loss: loss)
    let regularization = try Regularization(l2: 0.05, dropout: 0.4)
    let start = SeededGenerator(seed: 99)
    var generator = start
    let trace = try network.trace(inputs: x, targets: y, regularization: regularization, using: &generator)
    #expect(trace.dropoutMasks.flatMap(\.scalars).contains(0))
    let numeric = try finiteDifferenceGradients(of: network) {
      var same = start
      return try $0.trace(inputs: x, targets: y, regularization: regularization, using: &same).cost
    }
    Self.expectMatch(trace.gradients, numeric)
  }

  @Test("evaluation and prediction never drop: the same numbers as the network run by hand, after dropout training")
  func evaluationUnaffected() throws {
    let data = try Dataset.synthetic(count: 90, features: 8, classNames: ["a", "b"], noise: 100, signal: 80, seed: 5)
    var configuration = TrainingConfiguration(
      sizes: [8, 16, 2], activations: [.relu, .softmax], loss: .crossEntropy,
      optimizer: OptimizerSettings(kind: .sgd, learningRate: 0.1), batchSize: 10, epochs: 2, seed: 4, validationSplit: 0.2)
    configuration.dropout = 0.5
    var run = try TrainingRun<Double>(configuration: configuration, data: data)
    let report = try run.runEpoch()
    let network = run.network
    let validation = try #require(run.validation)
    let evaluation = try network.evaluate(on: validation)
    #expect(report.validation?.loss == evaluation.loss)
    #expect(try network.evaluate(on: validation).loss == evaluation.loss)   // no hidden state, no masks

    // The cost by hand: the forward pass written out with the matrices, no mask anywhere.
    var x = Matrix<Double>(rows: 8, columns: validation.count)
    var targets = Matrix<Double>(rows: 2, columns: validation.count)
    guard case .bytes(let bytes) = validation.features else { Issue.record("bytes expected"); return }
    for j in 0..<validation.count {
      for k in 0..<8 { x[k, j] = Double(bytes[j * 8 + k]) / 255 }
      targets[validation.labels![j], j] = 1
    }
    var a = x
    for layer in network.layers {
      var z = product(layer.weights, a)
      for i in 0..<z.rows { for j in 0..<z.columns { z[i, j] += layer.biases[i] } }
      a = layer.activation == .relu ? z.map { max($0, 0) } : softmax(z)
    }
    #expect(try network.predict(x) == (try network.predict(x)))
    let predicted = try network.predict(x)
    for i in 0..<a.rows { for j in 0..<a.columns { #expect(abs(predicted[i, j] - a[i, j]) < 1e-12) } }
    var loss = 0.0
    for j in 0..<validation.count { loss -= log(a[validation.labels![j], j]) }
    #expect(abs(evaluation.loss - loss / Double(validation.count)) < 1e-12)
    #expect(abs(try network.cost(inputs: x, targets: targets) - evaluation.loss) < 1e-12)
    #expect(throws: BackpropError.self) {
      try network.cost(inputs: x, targets: targets, regularization: Regularization(dropout: 0.5))
    }
  }

  @Test("a step with dropout needs a generator; with one it draws the masks from it")
  func stepNeedsGenerator() throws {
    let (network, x, y) = try Self.problem(seed: 9)
    var trainer = try Self.trainer(learningRate: 0.1, Regularization(dropout: 0.2))
    var n = network
    #expect(throws: BackpropError.self) { try trainer.step(&n, inputs: x, targets: y) }
    var generator = SeededGenerator(seed: 1)
    let before = generator
    _ = try trainer.step(&n, inputs: x, targets: y, using: &generator)
    #expect(generator != before)
    #expect(n != network)
  }

  @Test("a run with dropout and L2, stopped and resumed from its checkpoint, ends on the same bits")
  func resumeWithDropout() throws {
    let data = try Dataset.synthetic(count: 80, features: 10, classNames: ["a", "b", "c"], noise: 100, signal: 90, seed: 6)
    var configuration = TrainingConfiguration(
      sizes: [10, 12, 3], activations: [.relu, .softmax], loss: .crossEntropy,
      optimizer: OptimizerSettings(kind: .sgd, learningRate: 0.1), batchSize: 16, epochs: 3, seed: 12)
    configuration.dropout = 0.25
    configuration.l2 = 1e-3
    var whole = try TrainingRun<Float>(configuration: configuration, data: data)
    while !whole.isFinished { _ = try whole.runEpoch() }

    var first = try TrainingRun<Float>(configuration: configuration, data: data)
    _ = try first.runEpoch()
    let checkpoint = first.checkpoint(
      classNames: data.classNames, input: InputDescription(features: 10, scaling: .divideBy255))
    var resumed = try TrainingRun<Float>(resuming: checkpoint, data: data)
    while !resumed.isFinished { _ = try resumed.runEpoch() }
    #expect(resumed.network == whole.network)

    var plain = configuration
    plain.dropout = nil
    var undropped = try TrainingRun<Float>(configuration: plain, data: data)
    _ = try undropped.runEpoch()
    #expect(undropped.network != first.network, "dropout changed the training")
  }
}

/// The softmax of each column.
private func softmax(_ z: Matrix<Double>) -> Matrix<Double> {
  var out = z
  for j in 0..<z.columns {
    let column = (0..<z.rows).map { z[$0, j] }
    let top = column.max()!
    let sum = column.reduce(0) { $0 + exp($1 - top) }
    for i in 0..<z.rows { out[i, j] = exp(z[i, j] - top) / sum }
  }
  return out
}

/// The matrix product a·b, summed in order.
private func product(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Matrix<Double> {
  var out = Matrix<Double>(rows: a.rows, columns: b.columns)
  for i in 0..<a.rows {
    for j in 0..<b.columns { out[i, j] = (0..<a.columns).reduce(0) { $0 + a[i, $1] * b[$1, j] } }
  }
  return out
}

infix operator ⊙: MultiplicationPrecedence
/// The elementwise product.
private func ⊙ (a: Matrix<Double>, b: Matrix<Double>) -> Matrix<Double> {
  var out = a
  for i in 0..<a.rows { for j in 0..<a.columns { out[i, j] = a[i, j] * b[i, j] } }
  return out
}

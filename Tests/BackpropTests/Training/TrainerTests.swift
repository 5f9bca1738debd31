import Backprop
import BackpropTestSupport
import Testing

@Suite("Trainer and gradient descent")
struct TrainerTests {
  func columns(_ m: Matrix<Double>, _ indices: [Int]) throws -> Matrix<Double> {
    try Matrix(rows: (0..<m.rows).map { i in indices.map { m[i, $0] } })
  }

  func problem(seed: UInt64) throws -> (Network<Double>, Matrix<Double>, Matrix<Double>) {
    var generator = SeededGenerator(seed: seed)
    let network = try Network<Double>(sizes: [3, 4, 2], activations: [.tanh, .softmax], loss: .crossEntropy, using: &generator)
    let (x, y) = BackpropagationTests.batch(inputs: 3, outputs: 2, count: 10, loss: .crossEntropy, using: &generator)
    return (network, x, y)
  }

  @Test("one step by hand: w := w − η·∂C/∂w on a 1-1 linear unit")
  func handStep() throws {
    var network = try Network<Double>(
      layers: [Dense(weights: Matrix(rows: [[2]]), biases: [1], activation: .linear)], loss: .meanSquaredError)
    var trainer = Trainer<Double>(optimizer: try GradientDescent(learningRate: 0.1))
    // z = 2·3 + 1 = 7, C = ½(7 − 4)² = 4.5, ∂C/∂w = 3·3 = 9, ∂C/∂b = 3.
    let cost = try trainer.step(&network, inputs: Matrix(rows: [[3]]), targets: Matrix(rows: [[4]]))
    #expect(cost == 4.5)
    #expect(abs(network.layers[0].weights[0, 0] - 1.1) < 1e-15)
    #expect(abs(network.layers[0].biases[0] - 0.7) < 1e-15)
  }

  @Test("applying gradients held as a value is the same update as a step")
  func applyGradientsValue() throws {
    let (start, x, y) = try problem(seed: 6)
    var stepped = start, applied = start
    var a = Trainer<Double>(optimizer: try GradientDescent(learningRate: 0.2))
    var b = Trainer<Double>(optimizer: try GradientDescent(learningRate: 0.2))
    for _ in 0..<3 {
      _ = try a.step(&stepped, inputs: x, targets: y)
      try b.apply(applied.gradients(inputs: x, targets: y), to: &applied)
    }
    #expect(stepped == applied)
    #expect(b.step == 3)
    var wrong = try start.gradients(inputs: x, targets: y)
    wrong.weights[1] = Matrix(rows: 3, columns: 4)
    do {
      try b.apply(wrong, to: &applied)
      Issue.record("expected a shape error")
    } catch {
      #expect("\(error)" == "layer 2, dW: expected 2×4 like W, found 3×4")
    }
  }

  @Test("an epoch is mini-batch steps in a seeded shuffled order, the last partial batch kept")
  func epochMatchesManualSteps() throws {
    let (start, x, y) = try problem(seed: 11)
    var network = start
    var trainer = Trainer<Double>(optimizer: try GradientDescent(learningRate: 0.3))
    var generator = SeededGenerator(seed: 99)
    let mean = try trainer.epoch(&network, inputs: x, targets: y, batchSize: 4, using: &generator)
    #expect(trainer.step == 3)

    var order = Array(0..<10)
    var replay = SeededGenerator(seed: 99)
    replay.shuffle(&order)
    var manual = start
    var manualTrainer = Trainer<Double>(optimizer: try GradientDescent(learningRate: 0.3))
    var total = 0.0
    for batch in [order[0..<4], order[4..<8], order[8..<10]] {
      let indices = Array(batch)
      total += try manualTrainer.step(&manual, inputs: columns(x, indices), targets: columns(y, indices)) * Double(indices.count)
    }
    #expect(network == manual)
    #expect(abs(mean - total / 10) < 1e-15)
    #expect(generator == replay)
  }

  @Test("the same seed trains to the same bits; another seed does not")
  func reproducible() throws {
    func run(_ seed: UInt64) throws -> Network<Double> {
      var (network, x, y) = try problem(seed: 2)
      var trainer = Trainer<Double>(optimizer: try GradientDescent(learningRate: 0.1))
      var generator = SeededGenerator(seed: seed)
      for _ in 0..<3 { _ = try trainer.epoch(&network, inputs: x, targets: y, batchSize: 3, using: &generator) }
      return network
    }
    #expect(try run(1) == run(1))
    #expect(try run(1) != run(2))
  }

  @Test("mini-batch training lowers the cost in Float")
  func learnsInFloat() throws {
    var generator = SeededGenerator(seed: 4)
    var network = try Network<Float>(sizes: [2, 8, 1], activations: [.tanh, .sigmoid], loss: .binaryCrossEntropy, using: &generator)
    let x = try Matrix<Float>(rows: [[0, 0, 1, 1], [0, 1, 0, 1]]), y = try Matrix<Float>(rows: [[0, 1, 1, 0]])
    var trainer = Trainer<Float>(optimizer: try GradientDescent(learningRate: 0.5))
    let before = try network.cost(inputs: x, targets: y)
    for _ in 0..<2000 { _ = try trainer.epoch(&network, inputs: x, targets: y, batchSize: 2, using: &generator) }
    let after = try network.cost(inputs: x, targets: y)
    #expect(after < before / 10, "cost \(before) → \(after)")
  }

  @Test("a diverging run throws at the step whose cost is not finite and keeps the last good parameters")
  func divergence() throws {
    var network = try Network<Double>(
      layers: [Dense(weights: Matrix(rows: [[1]]), biases: [0], activation: .linear)], loss: .meanSquaredError)
    var trainer = Trainer<Double>(optimizer: try GradientDescent(learningRate: 1e6))
    let x = try Matrix<Double>(rows: [[10]]), y = try Matrix<Double>(rows: [[0]])
    var lastGood = network
    do {
      for _ in 0..<1000 {
        lastGood = network
        _ = try trainer.step(&network, inputs: x, targets: y)
      }
      Issue.record("expected divergence")
    } catch let error as BackpropError {
      guard case .diverged(_, let step, _, let cost, _) = error else { Issue.record("\(error)"); return }
      #expect(step == trainer.step + 1)
      #expect(!cost.isFinite)
      #expect(network == lastGood)
      #expect(error.description.contains("lower the learning rate"))
    }
  }

  @Test("n full-batch steps at once are n single steps, to the bit (Double with SGD; Float with Adam, L2, clipping)")
  func stepsAreSingleSteps() throws {
    let (start, x, y) = try problem(seed: 6)
    var single = start, many = start
    var one = Trainer<Double>(optimizer: try GradientDescent(learningRate: 0.5))
    var all = one
    let costs = try (0..<25).map { _ in try one.step(&single, inputs: x, targets: y) }
    var seen: [(Int, Double)] = []
    let last = try all.steps(25, on: &many, inputs: x, targets: y) { seen.append(($0, $1)) }
    #expect(many == single && all.step == 25 && last == costs[24])
    #expect(seen.map(\.0) == Array(1...25) && seen.map(\.1) == costs)

    let (xf, yf) = (x.converted(to: Float.self), y.converted(to: Float.self))
    var generator = SeededGenerator(seed: 7)
    let startF = try Network<Float>(sizes: [3, 5, 2], activations: [.relu, .softmax], loss: .crossEntropy, using: &generator)
    var singleF = startF, manyF = startF
    var oneF = Trainer<Float>(optimizer: try Adam(learningRate: 0.01))
    oneF.regularization = try Regularization(l2: 0.01)
    oneF.gradientClip = 0.5
    var allF = oneF
    for _ in 0..<10 { _ = try oneF.step(&singleF, inputs: xf, targets: yf) }
    _ = try allF.steps(10, on: &manyF, inputs: xf, targets: yf)
    #expect(manyF == singleF && allF.state == oneF.state)
  }

  @Test("steps: no steps change nothing; a negative count, dropout and a diverging step throw")
  func stepsEdges() throws {
    var (network, x, y) = try problem(seed: 8)
    let start = network
    var trainer = Trainer<Double>(optimizer: try GradientDescent(learningRate: 0.1))
    #expect(try trainer.steps(0, on: &network, inputs: x, targets: y) == 0)
    #expect(network == start && trainer.step == 0)
    #expect(throws: BackpropError.invalidArgument(name: "steps", value: "-1", expected: "0 or more")) {
      try trainer.steps(-1, on: &network, inputs: x, targets: y)
    }
    trainer.regularization = try Regularization(dropout: 0.5)
    #expect(throws: BackpropError.self) { try trainer.steps(3, on: &network, inputs: x, targets: y) }

    // As in `divergence`: the error names the step, and the network is as the step before left it.
    var unit = try Network<Double>(
      layers: [Dense(weights: Matrix(rows: [[1]]), biases: [0], activation: .linear)], loss: .meanSquaredError)
    var wild = Trainer<Double>(optimizer: try GradientDescent(learningRate: 1e6))
    let (x1, y1) = (try Matrix<Double>(rows: [[10]]), try Matrix<Double>(rows: [[0]]))
    var reference = unit, referenceTrainer = wild, lastGood = unit
    while (try? referenceTrainer.step(&reference, inputs: x1, targets: y1)) != nil { lastGood = reference }
    #expect(throws: BackpropError.self) { try wild.steps(1000, on: &unit, inputs: x1, targets: y1) }
    #expect(unit == lastGood && wild.step == referenceTrainer.step)
  }

  @Test("bad hyperparameters are rejected with their value")
  func badHyperparameters() throws {
    #expect(throws: BackpropError.invalidArgument(name: "learning rate", value: "-1.0", expected: "a finite number greater than 0")) {
      try GradientDescent(learningRate: -1)
    }
    var (network, x, y) = try problem(seed: 1)
    var trainer = Trainer<Double>(optimizer: try GradientDescent(learningRate: 0.1))
    var generator = SeededGenerator(seed: 1)
    #expect(throws: BackpropError.self) {
      try trainer.epoch(&network, inputs: x, targets: y, batchSize: 0, using: &generator)
    }
  }

  @Test("training on bytes packs the first layer's products from them: the bits of training on a gathered X")
  func bytesPackedInTraining() throws {
    let data = try ThreadsTests.data()  // 600 sparse byte samples, 256 features
    // μ = 0 and s = 1 change no value but take the gather: X is written, then multiplied.
    let identity = Standardization(mean: .init(repeating: 0, count: 256), scale: .init(repeating: 1, count: 256))
    var networks: [Network<Float>] = []
    for standardization in [nil, identity] {
      var g = SeededGenerator(seed: 3)
      var network = try Network<Float>(
        sizes: [256, 32, 10], activations: [.relu, .softmax], loss: .crossEntropy, using: &g)
      var trainer = Trainer<Float>(optimizer: try GradientDescent(learningRate: 0.1))
      for batchSize in [64, 1] {  // 9 batches of 64 and one of 24, then single samples
        _ = try trainer.epoch(&network, on: data, batchSize: batchSize, standardization: standardization, using: &g)
      }
      networks.append(network)
    }
    #expect(networks[0] == networks[1])
  }
}

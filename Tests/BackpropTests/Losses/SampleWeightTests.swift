import Backprop
import BackpropTestSupport
import Foundation
import Testing

/// Per-sample and class weights: the weighted mean cost Σ w_j·C_j / Σ w_j, its gradient, and the class weights
/// that become sample weights.
@Suite("Sample and class weights")
struct SampleWeightTests {
  @Test("the weighted cost of 3 samples, by hand: Σ w_j·C_j / Σ w_j")
  func handComputed() throws {
    // A 1-1 linear network with W = 2, b = 0.5 and squared error: ŷ = 2x + 0.5, C_j = ½(ŷ_j − y_j)².
    let network = try Network<Double>(
      layers: [Dense(weights: Matrix(rows: [[2]]), biases: [0.5], activation: .linear)], loss: .meanSquaredError)
    let x = try Matrix<Double>(rows: [[1, 0, -1]])      // ŷ = 2.5, 0.5, −1.5
    let y = try Matrix<Double>(rows: [[2, 1.5, 0.5]])   // errors 0.5, −1, −2: C_j = 0.125, 0.5, 2
    let w: [Double] = [3, 1, 0.5]
    let want = (3 * 0.125 + 1 * 0.5 + 0.5 * 2) / 4.5   // = 1.875 / 4.5
    #expect(abs(try network.cost(inputs: x, targets: y, sampleWeights: w) - want) < 1e-16)
    #expect(abs(try network.cost(inputs: x, targets: y) - (0.125 + 0.5 + 2) / 3) < 1e-16)
    // dC/dW = Σ w_j·(ŷ_j − y_j)·x_j / Σw = (3·0.5·1 + 1·(−1)·0 + 0.5·(−2)·(−1)) / 4.5; dC/db = Σ w_j·(ŷ_j − y_j) / Σw.
    let g = try network.gradients(inputs: x, targets: y, sampleWeights: w)
    #expect(abs(g.weights[0][0, 0] - 2.5 / 4.5) < 1e-16)
    #expect(abs(g.biases[0][0] - (1.5 - 1 - 1) / 4.5) < 1e-16)
    // Scaling every weight changes nothing (the mean is normalized by Σw); a zero weight drops the sample.
    #expect(abs(try network.cost(inputs: x, targets: y, sampleWeights: w.map { $0 * 8 }) - want) < 1e-16)
    #expect(try network.cost(inputs: x, targets: y, sampleWeights: [1, 1, 0]) == (0.125 + 0.5) / 2)
    #expect(try network.cost(inputs: x, targets: y, sampleWeights: [0, 0, 0]) == 0)
  }

  @Test("weighted gradients against finite differences (Float64), for every cost, fused or not",
        arguments: Loss.allCases, [true, false])
  func gradientCheck(loss: Loss, fused: Bool) throws {
    var generator = SeededGenerator(seed: 14)
    let output: Activation = switch (loss, fused) {
    case (.crossEntropy, true): .softmax
    case (.binaryCrossEntropy, true): .sigmoid
    case (.meanSquaredError, true): .linear
    case (.crossEntropy, false), (.binaryCrossEntropy, false): .sigmoid
    case (.meanSquaredError, false): .tanh
    }
    let network = try Network<Double>(sizes: [3, 5, 4], activations: [.tanh, output], loss: loss, using: &generator)
    let (x, y) = BackpropagationTests.batch(inputs: 3, outputs: 4, count: 7, loss: loss, using: &generator)
    let weights = (0..<7).map { _ in generator.nextUniform(in: 0, 3) }
    let analytic = try network.gradients(inputs: x, targets: y, sampleWeights: weights)
    let numeric = try finiteDifferenceGradients(of: network) {
      try $0.cost(inputs: x, targets: y, sampleWeights: weights)
    }
    RegularizationTests.expectMatch(analytic, numeric)
    // And with the L2 penalty on top.
    let l2 = try Regularization(l2: 0.2)
    RegularizationTests.expectMatch(
      try network.gradients(inputs: x, targets: y, sampleWeights: weights, regularization: l2),
      try finiteDifferenceGradients(of: network) {
        try $0.cost(inputs: x, targets: y, sampleWeights: weights, regularization: l2)
      })
  }

  @Test("all weights 1 give the unweighted bits: cost, gradients, steps and whole epochs", arguments: Loss.allCases)
  func onesAreUnweighted(loss: Loss) throws {
    var generator = SeededGenerator(seed: 15)
    let output: Activation = loss == .crossEntropy ? .softmax : .sigmoid
    let network = try Network<Float>(sizes: [6, 7, 3], activations: [.relu, output], loss: loss, using: &generator)
    let (x, y) = BackpropagationTests.batch(inputs: 6, outputs: 3, count: 9, loss: loss, using: &generator)
    let xf = try Matrix<Float>(rows: 6, columns: 9, scalars: x.scalars.map(Float.init))
    let yf = try Matrix<Float>(rows: 3, columns: 9, scalars: y.scalars.map(Float.init))
    let ones = [Float](repeating: 1, count: 9)
    let weighted = try network.trace(inputs: xf, targets: yf, sampleWeights: ones)
    let plain = try network.trace(inputs: xf, targets: yf)
    #expect(weighted.cost.bitPattern == plain.cost.bitPattern)
    #expect(weighted.gradients == plain.gradients)
    #expect(weighted.delta == plain.delta)

    var (a, b) = (network, network)
    var trainerA = Trainer<Float>(optimizer: try Adam(learningRate: 0.01))
    var trainerB = Trainer<Float>(optimizer: try Adam(learningRate: 0.01))
    #expect(try trainerA.step(&a, inputs: xf, targets: yf).bitPattern
      == trainerB.step(&b, inputs: xf, targets: yf, sampleWeights: ones).bitPattern)
    #expect(a == b)
  }

  @Test("a data set whose sample weights are all 1 trains to the same bits as one without")
  func onesInEpochs() throws {
    let data = try Dataset.synthetic(count: 75, features: 9, classNames: ["a", "b", "c"], noise: 100, signal: 90, seed: 16)
    var weighted = data
    try weighted.setSampleWeights([Float](repeating: 1, count: data.count))
    var generator = SeededGenerator(seed: 2)
    let start = try Network<Float>(sizes: [9, 6, 3], activations: [.tanh, .softmax], loss: .crossEntropy, using: &generator)
    var (a, b) = (start, start)
    var trainerA = Trainer<Float>(optimizer: try GradientDescent(learningRate: 0.2))
    var trainerB = Trainer<Float>(optimizer: try GradientDescent(learningRate: 0.2))
    var ga = SeededGenerator(seed: 5), gb = SeededGenerator(seed: 5)
    for _ in 0..<2 {
      let ca = try trainerA.epoch(&a, on: data, batchSize: 16, using: &ga)
      let cb = try trainerB.epoch(&b, on: weighted, batchSize: 16, using: &gb)
      #expect(ca.bitPattern == cb.bitPattern)
    }
    #expect(a == b)
  }

  @Test("an epoch's cost is the weighted mean over its samples; weights change the training")
  func weightedEpoch() throws {
    let data = try Dataset.synthetic(count: 40, features: 6, classNames: ["a", "b"], noise: 100, signal: 90, seed: 17)
    var weighted = data
    try weighted.setSampleWeights((0..<40).map { Float($0 % 4) })
    var generator = SeededGenerator(seed: 3)
    let start = try Network<Double>(sizes: [6, 5, 2], activations: [.tanh, .softmax], loss: .crossEntropy, using: &generator)
    // A learning rate of 1e-300 leaves every weight as it is (each step is far below half an ulp), so the epoch's
    // cost is the weighted mean cost of the whole data set.
    var network = start
    var trainer = Trainer<Double>(optimizer: try GradientDescent(learningRate: 1e-300))
    var g = SeededGenerator(seed: 1)
    let epochCost = try trainer.epoch(&network, on: weighted, batchSize: 7, using: &g)
    #expect(network == start)
    var x = Matrix<Double>(rows: 6, columns: 40), y = Matrix<Double>(rows: 2, columns: 40)
    guard case .bytes(let bytes) = data.features else { Issue.record("bytes expected"); return }
    for j in 0..<40 {
      for k in 0..<6 { x[k, j] = Double(bytes[j * 6 + k]) / 255 }
      y[data.labels![j], j] = 1
    }
    let whole = try start.cost(inputs: x, targets: y, sampleWeights: weighted.sampleWeights!.map(Double.init))
    #expect(abs(epochCost - whole) < 1e-14)

    var (a, b) = (start, start)
    var ta = Trainer<Double>(optimizer: try GradientDescent(learningRate: 0.5))
    var tb = Trainer<Double>(optimizer: try GradientDescent(learningRate: 0.5))
    var ga = SeededGenerator(seed: 1), gb = SeededGenerator(seed: 1)
    _ = try ta.epoch(&a, on: data, batchSize: 8, using: &ga)
    _ = try tb.epoch(&b, on: weighted, batchSize: 8, using: &gb)
    #expect(a != b)
  }

  @Test("balanced class weights: N / (K·N_c), scikit-learn's formula, for a known label count")
  func balanced() throws {
    // 6 samples: class a ×3, b ×2, c ×1, d ×0 (K = 3 classes occur).
    let data = try Dataset(
      features: .floats([Float](repeating: 0.5, count: 6)), count: 6, featureCount: 1, labels: [0, 1, 0, 2, 1, 0],
      classNames: ["a", "b", "c", "d"], source: "six")
    let weights = try data.classWeights(.balanced)
    let expected: [Double] = [6.0 / 9, 6.0 / 6, 6.0 / 3, 0]
    #expect(weights == expected)
    let weighted = try data.weighted(by: .balanced)
    #expect(weighted.sampleWeights == [0, 1, 0, 2, 1, 0].map { Float(weights[$0]) })
    // Each class that occurs then weighs N/K = 2 in total.
    for c in 0..<3 {
      let total = zip(weighted.labels!, weighted.sampleWeights!).filter { $0.0 == c }.reduce(Float(0)) { $0 + $1.1 }
      #expect(abs(total - 2) < 1e-6)
    }
  }

  @Test("class weights by name: unnamed classes weigh 1, sample weights multiply, bad names and values are refused")
  func byName() throws {
    var data = try Dataset(
      features: .floats([1, 2, 3, 4]), count: 4, featureCount: 1, labels: [0, 1, 2, 1],
      classNames: ["cat", "dog", "owl"], source: "four")
    #expect(try data.classWeights(.byName([.init(class: "dog", weight: 2.5)])) == [1, 2.5, 1])
    try data.setSampleWeights([1, 2, 3, 0.5])
    let weighted = try data.weighted(by: .byName([.init(class: "dog", weight: 2), .init(class: "owl", weight: 0)]))
    #expect(weighted.sampleWeights == [1, 4, 0, 1])
    #expect(throws: BackpropError.self) { try data.classWeights(.byName([.init(class: "emu", weight: 1)])) }
    #expect(throws: BackpropError.self) { try data.classWeights(.byName([.init(class: "cat", weight: -1)])) }
    #expect(throws: BackpropError.self) {
      try data.classWeights(.byName([.init(class: "cat", weight: 1), .init(class: "cat", weight: 2)]))
    }
    #expect(throws: DataError.self) { try data.weighted(by: .byName((["cat", "dog", "owl"]).map { .init(class: $0, weight: 0) })) }
    // Subsets carry their samples' weights.
    #expect(weighted.subset([3, 1]).sampleWeights == [1, 4])
  }

  @Test("sample weights are checked: one per sample, finite, ≥ 0, not all 0")
  func checks() throws {
    var data = try Dataset(features: .floats([1, 2, 3]), count: 3, featureCount: 1, labels: [0, 1, 0], classNames: ["a", "b"], source: "three")
    #expect(throws: DataError.self) { try data.setSampleWeights([1, 1]) }
    #expect(throws: DataError.self) { try data.setSampleWeights([1, -1, 1]) }
    #expect(throws: DataError.self) { try data.setSampleWeights([1, .nan, 1]) }
    #expect(throws: DataError.self) { try data.setSampleWeights([0, 0, 0]) }
    try data.setSampleWeights([0, 2, 0])
    try data.setSampleWeights(nil)
    #expect(data.sampleWeights == nil)
    let network = try Network<Double>(layers: [Dense(weights: Matrix(rows: [[1]]), biases: [0], activation: .linear)], loss: .meanSquaredError)
    let x = try Matrix<Double>(rows: [[1, 2]])
    #expect(throws: BackpropError.self) { try network.cost(inputs: x, targets: x, sampleWeights: [1]) }
    #expect(throws: BackpropError.self) { try network.cost(inputs: x, targets: x, sampleWeights: [1, -2]) }
  }

  @Test("a feature column taken out as sample weights: the rest of each row is kept in order")
  func removingFeature() throws {
    var data = try Dataset(
      features: .floats([1, 10, 2, 3, 20, 4]), count: 2, featureCount: 3, labels: [1, 0], classNames: ["a", "b"],
      featureNames: ["x1", "w", "x2"], source: "two")
    try data.setSampleWeights([1, 5])
    let (rest, values) = try data.removingFeature(named: "w")
    #expect(values == [10, 20])
    #expect(rest.features == .floats([1, 2, 3, 4]))
    #expect(rest.featureNames == ["x1", "x2"] && rest.featureCount == 2 && rest.labels == [1, 0])
    #expect(rest.sampleWeights == [1, 5])
    #expect(throws: BackpropError.self) { try data.removingFeature(named: "nope") }
  }

  @Test("class weights in a training configuration: written only when set, read back, applied by the run")
  func configuration() throws {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = .sortedKeys
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    var configuration = TrainingConfiguration(
      sizes: [6, 2], activations: [.softmax], loss: .crossEntropy,
      optimizer: OptimizerSettings(kind: .sgd, learningRate: 0.1), batchSize: 8, epochs: 1, seed: 1)
    for classWeights in [ClassWeights.balanced, .byName([.init(class: "Big Cat", weight: 2)])] {
      configuration.classWeights = classWeights
      let json = try encoder.encode(configuration)
      #expect(try decoder.decode(TrainingConfiguration.self, from: json) == configuration)
      if case .byName = classWeights {
        #expect(String(decoding: json, as: UTF8.self).contains(#""class_weights":[{"class":"Big Cat","weight":2}]"#))
      }
    }
    let data = try Dataset.synthetic(count: 30, features: 6, classNames: ["a", "b"], noise: 100, signal: 90, seed: 18)
    configuration.classWeights = .balanced
    let run = try TrainingRun<Double>(configuration: configuration, data: data)
    #expect(run.training.sampleWeights == (try data.weighted(by: .balanced)).sampleWeights)
  }
}

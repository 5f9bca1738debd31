import Backprop
import BackpropTestSupport
import Testing

@Suite("Evaluation")
struct EvaluationTests {
  @Test("accuracy, precision and recall from a hand-made confusion matrix")
  func metrics() {
    // rows = true class: 5 of class a (4 right), 3 of b (1 right, 2 taken for a), 2 of c (both right).
    let evaluation = Evaluation(loss: 0.5, confusionMatrix: [[4, 1, 0], [2, 1, 0], [0, 0, 2]], classNames: ["a", "b", "c"])
    #expect(evaluation.count == 10)
    #expect(evaluation.accuracy == 0.7)
    #expect(evaluation.precision(of: 0) == 4.0 / 6)
    #expect(evaluation.recall(of: 0) == 0.8)
    #expect(evaluation.precision(of: 1) == 0.5)
    #expect(evaluation.recall(of: 1) == 1.0 / 3)
    #expect(evaluation.precision(of: 2) == 1 && evaluation.recall(of: 2) == 1)
    let empty = Evaluation(loss: 0, confusionMatrix: [[0, 0], [3, 0]], classNames: ["x", "y"])
    #expect(empty.precision(of: 1) == nil)
    #expect(empty.recall(of: 0) == nil)
  }

  @Test("evaluate counts each sample's largest output against its label, and averages the cost")
  func evaluateOnData() throws {
    // Identity weights and a softmax: the predicted class is the largest feature.
    var w = Matrix<Double>(rows: 3, columns: 3)
    for i in 0..<3 { w[i, i] = 1 }
    let network = try Network(layers: [Dense(weights: w, activation: .softmax)], loss: .crossEntropy)
    let data = try Dataset(
      features: .floats([3, 1, 0, 0, 2, 1, 0, 0, 5, 9, 1, 1]), count: 4, featureCount: 3, labels: [0, 1, 1, 0],
      classNames: ["a", "b", "c"], source: "hand")
    let evaluation = try network.evaluate(on: data, batchSize: 3)
    #expect(evaluation.confusionMatrix == [[2, 0, 0], [0, 1, 1], [0, 0, 0]])
    let x = try Matrix<Double>(rows: [[3, 0, 0, 9], [1, 2, 0, 1], [0, 1, 5, 1]])
    let y = try Matrix<Double>(rows: [[1, 0, 0, 1], [0, 1, 1, 0], [0, 0, 0, 0]])
    #expect(abs(evaluation.loss - (try network.cost(inputs: x, targets: y))) < 1e-15)
    let outputs = try network.predict(data)
    #expect(outputs == (try network.predict(x)))
  }

  @Test("a sample predicted alone gets the same bits as inside a batch (single samples use W transposed)")
  func singleSamplesMatchBatches() throws {
    let data = try Dataset.synthetic(count: 23, features: 300, classNames: ["a", "b", "c"], noise: 200, signal: 40, seed: 5)
    var g = SeededGenerator(seed: 9)
    let network = try Network<Float>(
      sizes: [300, 70, 16, 3], activations: [.relu, .tanh, .softmax], loss: .crossEntropy, using: &g)
    let alone = try network.predict(data, batchSize: 1), together = try network.predict(data, batchSize: 10)
    #expect(alone.scalars.map(\.bitPattern) == together.scalars.map(\.bitPattern))
    #expect(try network.evaluate(on: data, batchSize: 1).confusionMatrix == network.evaluate(on: data).confusionMatrix)
  }

  /// Inputs that are mostly zeros, as MNIST's background, take the path that skips them; 150 hidden units cover
  /// its blocks of 64, 32, 8 rows and the single-row tail.
  static func sparseInputs(count: Int, features: Int, seed: UInt64) throws -> Dataset {
    var g = SeededGenerator(seed: seed)
    let values = (0..<count * features).map { _ in g.nextUniform() < 0.8 ? Float(0) : Float(g.nextUniform() * 2 - 1) }
    return try Dataset(
      features: .floats(values), count: count, featureCount: features, labels: (0..<count).map { $0 % 3 },
      classNames: ["a", "b", "c"], source: "sparse")
  }

  @Test("a sample whose inputs are mostly zero gets the same bits alone (zeros skipped) as inside a batch")
  func sparseSingleSamplesMatchBatches() throws {
    let data = try Self.sparseInputs(count: 17, features: 300, seed: 4)
    var g = SeededGenerator(seed: 11)
    let network = try Network<Float>(
      sizes: [300, 150, 16, 3], activations: [.relu, .sigmoid, .softmax], loss: .crossEntropy, using: &g)
    let alone = try network.predict(data, batchSize: 1), together = try network.predict(data, batchSize: 17)
    #expect(alone.scalars.map(\.bitPattern) == together.scalars.map(\.bitPattern))
  }

  @Test("predicting from bytes packs the first product straight from them: the bits of gathering X first", arguments: [1, 2])
  func bytesPackedDirectly(threads: Int) throws {
    let data = try ThreadsTests.data()  // 600 sparse byte samples, 256 features
    var g = SeededGenerator(seed: 12)
    let network = try Network<Float>(
      sizes: [256, 40, 10], activations: [.relu, .softmax], loss: .crossEntropy, using: &g)
    // μ = 0 and s = 1 change no value but take the gather: X is written, then multiplied.
    let identity = Standardization(mean: .init(repeating: 0, count: 256), scale: .init(repeating: 1, count: 256))
    ComputeThreads.count = threads
    defer { ComputeThreads.count = 1 }
    for batch in [600, 37, 16] {
      let packed = try network.predict(data, batchSize: batch)
      let gathered = try network.predict(data, standardization: identity, batchSize: batch)
      #expect(packed.scalars.map(\.bitPattern) == gathered.scalars.map(\.bitPattern), "batch \(batch)")
      let a = try network.evaluate(on: data, batchSize: batch)
      let b = try network.evaluate(on: data, standardization: identity, batchSize: batch)
      #expect(a.loss.bitPattern == b.loss.bitPattern && a.confusionMatrix == b.confusionMatrix)
    }
  }
}

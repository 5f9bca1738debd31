import Backprop
import BackpropTestSupport
import Testing

/// What `backprop gradcheck MODEL` and `backprop explain MODEL` stand on: the gradient check with the training
/// cost's terms and its kink accounting, a saved model's samples as the network reads them, and the worked example
/// of any network.
@Suite("Gradient check and worked examples of any network")
struct ModelDiagnosticsTests {
  @Test("the check with sample weights and an L2 penalty: g is the library's, ĝ agrees with the independent oracle",
        arguments: Loss.allCases)
  func weightedAndPenalized(loss: Loss) throws {
    var generator = SeededGenerator(seed: 9)
    let output: Activation = loss == .crossEntropy ? .softmax : loss == .binaryCrossEntropy ? .sigmoid : .linear
    let network = try Network<Double>(sizes: [3, 4, 2], activations: [.tanh, output], loss: loss, using: &generator)
    let (x, y) = BackpropagationTests.batch(inputs: 3, outputs: 2, count: 5, loss: loss, using: &generator)
    let weights = [0.5, 2, 1, 0, 1.5]
    let regularization = try Regularization(l2: 0.2)
    let check = try GradientCheck(network: network, inputs: x, targets: y, sampleWeights: weights, regularization: regularization)
    #expect(check.passed(tolerance: 1e-7), "max relative error \(check.maxRelativeError)")
    #expect(check.kinkCrossings == 0)
    let analytic = try network.gradients(inputs: x, targets: y, sampleWeights: weights, regularization: regularization)
    #expect(check.analytic == analytic)
    let oracle = try finiteDifferenceGradients(of: network) {
      try $0.cost(inputs: x, targets: y, sampleWeights: weights, regularization: regularization)
    }
    for l in 0..<2 {
      #expect(normwiseRelativeError(check.numeric.weights[l].scalars, oracle.weights[l].scalars) < 1e-8)
      #expect(normwiseRelativeError(check.numeric.biases[l], oracle.biases[l]) < 1e-8)
    }
  }

  @Test("a ReLU pre-activation within h of 0: the bias whose points cross it is counted and left out")
  func kinkCrossing() throws {
    // Unit 1: z = w·x + b = 1·1e-3 + (1e-6 − 1e-3) ≈ 1e-6, so moving b₁ by ±1e-5 crosses 0, while moving w₁ by up
    // to 2e-5 moves z by 2e-8 only. Unit 2 sits far from its kink, so layer 2's gradients are not tiny.
    let network = try Network<Double>(
      layers: [
        Dense(weights: Matrix(rows: [[1], [1]]), biases: [1e-6 - 1e-3, 0.5], activation: .relu),
        Dense(weights: Matrix(rows: [[2, 1]]), biases: [0.5], activation: .linear),
      ], loss: .meanSquaredError)
    let check = try GradientCheck(network: network, inputs: Matrix(rows: [[1e-3]]), targets: Matrix(rows: [[0]]))
    #expect(check.tensors.map(\.kinkCrossings) == [0, 1, 0, 0])
    #expect(check.kinkCrossings == 1)
    // The straddling estimate is off by almost half the slope; left out, the rest agree.
    #expect(abs(check.numeric.biases[0][0] - check.analytic.biases[0][0]) > 0.1 * abs(check.analytic.biases[0][0]))
    #expect(check.passed(tolerance: 1e-7), "max relative error \(check.maxRelativeError)")
    #expect(check.tensors[1].gradientNorm > abs(check.analytic.biases[0][1]))
  }

  @Test("a Float network widens exactly to Double, and narrows back to the same bits")
  func converting() throws {
    var generator = SeededGenerator(seed: 2)
    let float = try Network<Float>(sizes: [3, 4, 2], activations: [.relu, .softmax], loss: .crossEntropy, using: &generator)
    let double = try Network<Double>(converting: float)
    #expect(double.sizes == float.sizes && double.loss == float.loss)
    for l in 0..<2 {
      #expect(double.layers[l].weights.scalars == float.layers[l].weights.scalars.map(Double.init))
      #expect(double.layers[l].biases == float.layers[l].biases.map(Double.init))
      #expect(double.layers[l].activation == float.layers[l].activation)
    }
    #expect(try Network<Float>(converting: double) == float)
  }

  @Test("a batch of a data set as the network reads it: bytes / 255, standardized, labels one-hot")
  func batch() throws {
    var generator = SeededGenerator(seed: 1)
    let network = try Network<Double>(sizes: [2, 3, 2], activations: [.relu, .softmax], loss: .crossEntropy, using: &generator)
    let data = try Dataset(
      features: .bytes([0, 255, 51, 102, 255, 0]), count: 3, featureCount: 2, labels: [1, 0, 1], classNames: ["a", "b"],
      source: "bytes")
    let standardization = Standardization(mean: [0.5, 0.25], scale: [2, 0.5])
    let (x, y) = try network.batch(of: data, samples: [2, 0], standardization: standardization)
    #expect(x == (try Matrix(rows: [[(1 - 0.5) / 2, (0 - 0.5) / 2], [(0 - 0.25) / 0.5, (1 - 0.25) / 0.5]])))
    #expect(y == (try Matrix(rows: [[0, 0], [1, 1]])))
    #expect(throws: BackpropError.self) { try network.batch(of: data, samples: [3]) }
    #expect(throws: BackpropError.self) { try network.batch(of: data, samples: []) }
  }

  @Test("the worked example of seed 001's network, given as any network, has the toy's numbers under the same keys")
  func networkExampleIsTheToy() throws {
    let d = WorkedExample.toyDefaults, w = d.weights
    let toy = try WorkedExample.toy(weights: w, input: d.input, target: d.target)
    let network = try Network<Double>(
      layers: [
        Dense(weights: Matrix(rows: [[w[0], w[2]], [w[1], w[3]]]), activation: .sigmoid),
        Dense(weights: Matrix(rows: [[w[4], w[5]]]), activation: .sigmoid),
      ], loss: .meanSquaredError)
    let example = try WorkedExample.network(network, input: d.input, target: [d.target], title: "toy")
    for key in ["z1_2", "z2_2", "a1_2", "a2_2", "z1_3", "a1_3", "f_prime_z1_2", "f_prime_z2_2", "f_prime_z1_3",
                "delta1_3", "delta1_2", "delta2_2"] {
      #expect(example.value(key) == toy.value(key), "\(key)")
    }
    #expect(example.loss == toy.loss)
    // The seed's w1…w6 are wⱼₖ⁽ˡ⁾ = W[l−1][j−1, k−1]: w1 = w₁₁⁽²⁾, w2 = w₂₁⁽²⁾, w3 = w₁₂⁽²⁾, w4 = w₂₂⁽²⁾, w5 = w₁₁⁽³⁾, w6 = w₁₂⁽³⁾.
    let names = ["w1": "w1_1_2", "w2": "w2_1_2", "w3": "w1_2_2", "w4": "w2_2_2", "w5": "w1_1_3", "w6": "w1_2_3"]
    let ours = Dictionary(uniqueKeysWithValues: example.quantities.filter { $0.kind == .gradient }.map { ($0.key, $0) })
    let seed = Dictionary(uniqueKeysWithValues: toy.quantities.filter { $0.kind == .gradient }.map { ($0.key, $0) })
    for (seedKey, key) in names {
      #expect(ours[key]?.value == seed[seedKey]?.value, "\(key)")
      #expect(ours[key]?.finiteDifference == seed[seedKey]?.finiteDifference, "\(key)")
    }
    #expect(example.learningRate == nil && example.values(.step).isEmpty)
    #expect(ours["w1_2_3"]?.symbol == "∂C/∂w₁₂⁽³⁾" && ours["w1_2_3"]?.formula == "δ₁⁽³⁾·a₂⁽²⁾")
  }

  @Test("with biases, softmax and cross-entropy: every value is the trace's, δ at the output is ŷ − y",
        arguments: [Activation.relu, .tanh, .softmax])
  func networkExampleWithBiases(hidden: Activation) throws {
    var generator = SeededGenerator(seed: 4)
    let network = try Network<Double>(sizes: [3, 2, 3], activations: [hidden, .softmax], loss: .crossEntropy, using: &generator)
    let x = [0.3, -1.2, 0.7], y = [0.0, 1, 0]
    let example = try WorkedExample.network(network, input: x, target: y, title: "t")
    let trace = try network.trace(inputs: Matrix(column: x), targets: Matrix(column: y))
    for l in 0..<2 {
      for j in 0..<network.sizes[l + 1] {
        #expect(example.value("z\(j + 1)_\(l + 2)") == trace.z[l][j, 0])
        #expect(example.value("a\(j + 1)_\(l + 2)") == trace.a[l][j, 0])
        #expect(example.value("delta\(j + 1)_\(l + 2)") == trace.delta[l][j, 0])
        let gradient = example.quantities.first { $0.kind == .gradient && $0.key == "b\(j + 1)_\(l + 2)" }
        #expect(gradient?.value == trace.gradients.biases[l][j])
        for k in 0..<network.sizes[l] {
          let q = example.quantities.first { $0.kind == .gradient && $0.key == "w\(j + 1)_\(k + 1)_\(l + 2)" }
          #expect(q?.value == trace.gradients.weights[l][j, k])
          #expect(abs((q?.finiteDifference ?? .nan) - trace.gradients.weights[l][j, k]) < 1e-9)
        }
      }
    }
    for j in 0..<3 { #expect(abs(example.value("delta\(j + 1)_3")! - (trace.a[1][j, 0] - y[j])) < 1e-15) }
    #expect(example.loss == trace.cost)
    // Softmax has no per-unit f′; the fused output needs none.
    #expect(example.values(.derivative).map(\.key) == (hidden == .softmax ? [] : ["f_prime_z1_2", "f_prime_z2_2"]))
  }
}

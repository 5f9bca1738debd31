import Backprop
import Testing

@Suite("Initializers")
struct InitializerTests {
  /// (initializer, fan in, fan out, expected bound of W, whether b is drawn from the same range)
  static let cases: [(Initializer, Int, Int, Double, Bool)] = [
    (.uniformFanIn, 400, 300, 1 / 20.0, true),
    (.glorotUniform, 400, 200, (6.0 / 600).squareRoot(), false),
    (.heUniform, 600, 100, 0.1, false),
  ]

  @Test("weights fill U(−bound, bound): range, mean 0, variance bound²/3", arguments: 0..<3)
  func distribution(index: Int) throws {
    let (initializer, fanIn, fanOut, bound, drawsBiases) = Self.cases[index]
    var generator = SeededGenerator(seed: 8)
    let layer = try Dense<Double>(
      inputs: fanIn, outputs: fanOut, activation: .relu, initializer: initializer, using: &generator)
    let w = layer.weights.scalars
    #expect(w.allSatisfy { abs($0) <= bound })
    #expect(w.max()! > 0.99 * bound && w.min()! < -0.99 * bound)
    let n = Double(w.count)
    let mean = w.reduce(0, +) / n
    let variance = w.map { $0 * $0 }.reduce(0, +) / n - mean * mean
    // n ≥ 60,000: standard errors of the mean and variance are well under 1% of bound and bound²/3.
    #expect(abs(mean) < 0.01 * bound)
    #expect(abs(variance / (bound * bound / 3) - 1) < 0.02)
    if drawsBiases {
      #expect(layer.biases.allSatisfy { abs($0) <= bound } && layer.biases.contains { $0 != 0 })
    } else {
      #expect(layer.biases.allSatisfy { $0 == 0 })
    }
  }

  @Test("the same seed builds the same network, in Float and Double alike")
  func reproducible() throws {
    var a = SeededGenerator(seed: 3), b = SeededGenerator(seed: 3)
    let d = try Network<Double>(sizes: [5, 4, 2], activations: [.relu, .softmax], loss: .crossEntropy, using: &a)
    let f = try Network<Float>(sizes: [5, 4, 2], activations: [.relu, .softmax], loss: .crossEntropy, using: &b)
    #expect(f.layers[0].weights.scalars == d.layers[0].weights.scalars.map(Float.init))
    #expect(d.parameterCount == 5 * 4 + 4 + 4 * 2 + 2)
  }

  @Test("sizes and activations that do not fit throw")
  func badArguments() {
    var generator = SeededGenerator(seed: 1)
    #expect(throws: BackpropError.self) {
      try Network<Double>(sizes: [4, 3], activations: [.relu, .relu], loss: .meanSquaredError, using: &generator)
    }
    #expect(throws: BackpropError.self) {
      try Network<Double>(sizes: [4, 0, 3], activations: [.relu, .relu], loss: .meanSquaredError, using: &generator)
    }
    #expect(throws: BackpropError.self) {
      try Dense<Double>(weights: Matrix(rows: [[1, 2]]), biases: [0, 0], activation: .relu)
    }
  }
}

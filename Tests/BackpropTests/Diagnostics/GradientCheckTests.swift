import Backprop
import BackpropTestSupport
import Testing

@Suite("Gradient check")
struct GradientCheckTests {
  @Test("passes on correct gradients, and its estimates agree with the independent oracle")
  func passes() throws {
    var generator = SeededGenerator(seed: 5)
    let network = try Network<Double>(sizes: [4, 5, 4, 3], activations: [.tanh, .relu, .softmax], loss: .crossEntropy, using: &generator)
    let (x, y) = BackpropagationTests.batch(inputs: 4, outputs: 3, count: 6, loss: .crossEntropy, using: &generator)
    let check = try GradientCheck(network: network, inputs: x, targets: y)
    #expect(check.passed(tolerance: 1e-7), "max relative error \(check.maxRelativeError)")
    #expect(check.tensors.map(\.name) == ["W1", "b1", "W2", "b2", "W3", "b3"])
    let oracle = try finiteDifferenceGradients(of: network, inputs: x, targets: y)
    for l in 0..<3 {
      #expect(normwiseRelativeError(check.numeric.weights[l].scalars, oracle.weights[l].scalars) < 1e-9)
    }
  }

  @Test("the comparison flags a gradient that is off: normwise relative error by hand")
  func detectsWrongGradient() throws {
    // g = (3, 4), ĝ = (3, 4.5): ‖g − ĝ‖ = 0.5, max(‖g‖, ‖ĝ‖) = √29.25.
    var generator = SeededGenerator(seed: 1)
    let network = try Network<Double>(sizes: [1, 2], activations: [.linear], loss: .meanSquaredError, using: &generator)
    var check = try GradientCheck(network: network, inputs: Matrix(rows: [[1]]), targets: Matrix(rows: [[0], [0]]))
    check.tensors[0].relativeError = normwiseRelativeError([3, 4], [3, 4.5])
    #expect(abs(check.tensors[0].relativeError - 0.5 / 29.25.squareRoot()) < 1e-15)
    #expect(!check.passed(tolerance: 1e-7))
  }
}

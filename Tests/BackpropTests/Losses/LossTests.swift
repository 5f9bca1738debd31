import Backprop
import BackpropTestSupport
import Foundation
import Testing

/// Costs on one-layer networks with identity weights, so the outputs are known exactly and the cost can be
/// worked by hand.
@Suite("Losses")
struct LossTests {
  /// A network whose single layer passes z = x through `activation`.
  func network(_ activation: Activation, _ loss: Loss, size: Int) throws -> Network<Double> {
    var w = Matrix<Double>(rows: size, columns: size)
    for i in 0..<size { w[i, i] = 1 }
    return try Network(layers: [Dense(weights: w, activation: activation)], loss: loss)
  }

  @Test("squared error: C = 1/(2m)·Σ‖y − ŷ‖²")
  func squaredError() throws {
    let x = try Matrix<Double>(rows: [[0.5, 1], [2, -1]]), y = try Matrix<Double>(rows: [[0, 0], [1, 1]])
    let cost = try network(.linear, .meanSquaredError, size: 2).cost(inputs: x, targets: y)
    // (0.25 + 1 + 1 + 4) / (2·2)
    #expect(cost == 6.25 / 4)
  }

  @Test("binary cross-entropy from logits equals the textbook form with exact logs")
  func binaryCrossEntropy() throws {
    let z: [Double] = [-2, 0.3, 4], y: [Double] = [0, 1, 1]
    let cost = try network(.sigmoid, .binaryCrossEntropy, size: 1)
      .cost(inputs: Matrix(rows: 1, columns: 3, scalars: z), targets: Matrix(rows: 1, columns: 3, scalars: y))
    let a = z.map { 1 / (1 + Foundation.exp(-$0)) }
    let expected = -zip(a, y).map { $1 * Foundation.log($0) + (1 - $1) * Foundation.log(1 - $0) }.reduce(0, +) / 3
    #expect(abs(cost - expected) < 1e-15)
  }

  @Test("categorical cross-entropy: −1/m·Σ y·log softmax(z)")
  func crossEntropy() throws {
    let x = try Matrix<Double>(rows: [[1, 0], [2, 0], [3, 0]]), y = try Matrix<Double>(rows: [[0, 1], [0, 0], [1, 0]])
    let cost = try network(.softmax, .crossEntropy, size: 3).cost(inputs: x, targets: y)
    let e = [1.0, 2, 3].map { Foundation.exp($0) }
    let expected = (-Foundation.log(e[2] / e.reduce(0, +)) - Foundation.log(1.0 / 3)) / 2
    #expect(abs(cost - expected) < 1e-15)
  }

  @Test("unfused cross-entropy clamps ŷ, so outputs of exactly 0 or 1 give finite costs and gradients")
  func clampedCrossEntropy() throws {
    // ReLU outputs of 0 and 2 for a binary target: log(0) and log(1 − 2) without the clamp.
    let x = try Matrix<Double>(rows: [[-1, 2]]), y = try Matrix<Double>(rows: [[1, 0]])
    let trace = try network(.relu, .binaryCrossEntropy, size: 1).trace(inputs: x, targets: y)
    #expect(trace.cost.isFinite)
    #expect(abs(trace.cost - (-Foundation.log(Double.ulpOfOne) * 2 / 2)) < 1e-12)
    #expect(trace.gradients.weights[0].scalars == [0])
    let ce = try network(.linear, .crossEntropy, size: 2)
      .trace(inputs: Matrix(rows: [[0], [1]]), targets: Matrix(rows: [[1], [0]]))
    #expect(ce.cost.isFinite)
  }

  @Test("names as users type them")
  func names() {
    #expect(Loss(name: "mse") == .meanSquaredError)
    #expect(Loss(name: "BCE") == .binaryCrossEntropy)
    #expect(Loss(name: "categorical_cross_entropy") == .crossEntropy)
    #expect(Loss(name: "hinge") == nil)
    #expect(Activation(name: "leaky_relu") == .leakyReLU)
    #expect(Activation(name: "identity") == .linear)
    #expect(Activation(name: "swish") == nil)
  }
}

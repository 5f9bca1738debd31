import Backprop
import Testing

/// The README's ten-line library example, verbatim apart from the print, so it cannot go stale.
@Suite("README example")
struct ReadmeExampleTests {
  @Test("trains XOR as the README says")
  func readme() throws {
    var generator = SeededGenerator(seed: 1)
    var network = try Network<Double>(sizes: [2, 2, 2, 1], activations: [.sigmoid, .sigmoid, .sigmoid],
                                      loss: .meanSquaredError, using: &generator)
    let x = try Matrix<Double>(rows: [[0, 0, 1, 1], [0, 1, 0, 1]])
    let y = try Matrix<Double>(rows: [[0, 1, 1, 0]])
    var trainer = Trainer<Double>(optimizer: try GradientDescent(learningRate: 2))
    try trainer.steps(10_000, on: &network, inputs: x, targets: y)
    let yHat = try network.predict(x).scalars
    let expected = [0.03, 0.97, 0.97, 0.03]
    #expect(zip(yHat, expected).allSatisfy { abs($0 - $1) < 0.01 }, "\(yHat)")
  }
}

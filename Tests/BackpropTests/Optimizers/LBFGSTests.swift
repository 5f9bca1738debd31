@testable import Backprop
import BackpropTestSupport
import Foundation
import Testing

@Suite("L-BFGS")
struct LBFGSTests {
  /// A one-layer linear network ŷ = w·x + b with squared error: linear least squares.
  static func linear(inputs: Int) throws -> Network<Double> {
    var generator = SeededGenerator(seed: 4)
    return try Network<Double>(sizes: [inputs, 1], activations: [.linear], loss: .meanSquaredError, using: &generator)
  }

  @Test("linear least squares, solved by hand: orthogonal features give ŵ = (0.75, 0.25), b̂ = 1.75, to 1e-6")
  func leastSquaresByHand() throws {
    // x₁ = (1, −1, 1, −1) and x₂ = (1, 1, −1, −1) have mean 0 and are orthogonal, so the normal equations split:
    // b̂ = ȳ = 7/4, ŵᵢ = Σ xᵢ·y / Σ xᵢ² = (4 − 0 + 1 − 2)/4 and (4 + 0 − 1 − 2)/4. The residuals are ±1.25, so
    // the minimum C = 1/(2·4) · 4 · 1.25² = 0.78125 is not 0.
    let x = try Matrix<Double>(rows: [[1, -1, 1, -1], [1, 1, -1, -1]]), y = try Matrix<Double>(rows: [[4, 0, 1, 2]])
    var network = try Self.linear(inputs: 2)
    let result = try LBFGS(tolerance: 1e-12).minimize(&network, inputs: x, targets: y)
    let layer = network.layers[0]
    #expect(abs(layer.weights[0, 0] - 0.75) < 1e-6 && abs(layer.weights[0, 1] - 0.25) < 1e-6, "\(layer.weights)")
    #expect(abs(layer.biases[0] - 1.75) < 1e-6)
    #expect(abs(result.cost - 0.78125) < 1e-12)
    #expect(result.stop == .gradientTolerance && result.gradientNorm <= 1e-12, "\(result)")
    #expect(try network.cost(inputs: x, targets: y) == result.cost)
  }

  @Test("linear least squares on 20 correlated samples: the normal equations' solution to 1e-6")
  func leastSquaresNormalEquations() throws {
    var generator = SeededGenerator(seed: 21)
    let m = 20
    let features = (0..<3).map { _ in (0..<m).map { _ in generator.nextUniform(in: -2, 2) } }
    // Correlate the features, so the cost's Hessian is not diagonal.
    let x1 = features[0], x2 = zip(features[0], features[1]).map { 0.8 * $0 + 0.2 * $1 }, x3 = features[2]
    let y = (0..<m).map { 1.5 * x1[$0] - 2 * x2[$0] + 0.5 * x3[$0] + 0.3 + generator.nextUniform(in: -0.5, 0.5) }
    var network = try Self.linear(inputs: 3)
    let result = try LBFGS(tolerance: 1e-12).minimize(
      &network, inputs: try Matrix(rows: [x1, x2, x3]), targets: try Matrix(rows: [y]))
    // The normal equations AᵀA·θ = Aᵀy for A = [x₁ x₂ x₃ 1], solved by Gaussian elimination.
    let columns = [x1, x2, x3, [Double](repeating: 1, count: m)]
    let normal = columns.map { a in columns.map { b in zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } } }
    let right = columns.map { a in zip(a, y).reduce(0) { $0 + $1.0 * $1.1 } }
    let solution = Self.solve(normal, right)
    let found = network.layers[0].weights.scalars + network.layers[0].biases
    for i in 0..<4 { #expect(abs(found[i] - solution[i]) < 1e-6, "θ[\(i)] = \(found[i]), expected \(solution[i])") }
    #expect(result.iterations < 30, "\(result)")
  }

  /// Gaussian elimination with partial pivoting, for the small systems above.
  static func solve(_ a: [[Double]], _ b: [Double]) -> [Double] {
    var a = a, b = b
    let n = b.count
    for k in 0..<n {
      let pivot = (k..<n).max { abs(a[$0][k]) < abs(a[$1][k]) }!
      a.swapAt(k, pivot)
      b.swapAt(k, pivot)
      for i in (k + 1)..<n {
        let factor = a[i][k] / a[k][k]
        for j in k..<n { a[i][j] -= factor * a[k][j] }
        b[i] -= factor * b[k]
      }
    }
    var x = [Double](repeating: 0, count: n)
    for i in (0..<n).reversed() {
      x[i] = (b[i] - ((i + 1)..<n).reduce(0) { $0 + a[i][$1] * x[$1] }) / a[i][i]
    }
    return x
  }

  @Test("Rosenbrock's function from (−1.2, 1): the minimum (1, 1), through the vector interface")
  func rosenbrock() throws {
    // f = (1 − x)² + 100·(y − x²)², the classic test of a quasi-Newton method: a curved valley, minimum 0 at (1, 1).
    var x = [-1.2, 1.0]
    let result = try LBFGS(tolerance: 1e-10, maxIterations: 200).minimize(&x) { p in
      let a = 1 - p[0], b = p[1] - p[0] * p[0]
      return (a * a + 100 * b * b, [-2 * a - 400 * p[0] * b, 200 * b])
    }
    #expect(abs(x[0] - 1) < 1e-8 && abs(x[1] - 1) < 1e-8, "\(x), \(result)")
    #expect(result.stop == .gradientTolerance)
    // Every iteration lowers the cost (the line search's sufficient decrease).
    #expect(zip(result.costs, result.costs.dropFirst()).allSatisfy { $1 < $0 })
    #expect(result.costs.count == result.iterations + 1)
  }

  /// XOR on a 2-3-1 tanh/sigmoid network with cross-entropy.
  static func xor<Scalar: BackpropScalar>(_: Scalar.Type) throws -> (Network<Scalar>, Matrix<Scalar>, Matrix<Scalar>) {
    var generator = SeededGenerator(seed: 6)
    let network = try Network<Scalar>(
      sizes: [2, 3, 1], activations: [.tanh, .sigmoid], loss: .binaryCrossEntropy, using: &generator)
    return (network, try Matrix(rows: [[0, 0, 1, 1], [0, 1, 0, 1]]), try Matrix(rows: [[0, 1, 1, 0]]))
  }

  @Test("on XOR, a lower cost than gradient descent in as many iterations, and as many gradient evaluations")
  func beatsGradientDescent() throws {
    let (start, x, y) = try Self.xor(Double.self)
    var network = start
    let result = try LBFGS(maxIterations: 20).minimize(&network, inputs: x, targets: y)
    #expect(result.iterations == 20 && result.stop == .maxIterations, "\(result)")
    var costs: [Int: Double] = [:]
    for steps in [result.iterations, result.evaluations] {
      var descent = start
      var trainer = Trainer<Double>(optimizer: try GradientDescent(learningRate: 0.5))
      for _ in 0..<steps { _ = try trainer.step(&descent, inputs: x, targets: y) }
      costs[steps] = try descent.cost(inputs: x, targets: y)
    }
    let initial = try start.cost(inputs: x, targets: y)
    #expect(result.costs[0] == initial)
    #expect(result.cost < costs[result.evaluations]!, "L-BFGS \(result.cost) vs gradient descent \(costs)")
    #expect(result.cost < initial / 100, "\(result.cost)")
    #expect(try network.cost(inputs: x, targets: y) == result.cost)
    #expect(try network.predict(x).scalars.map { $0.rounded() } == [0, 1, 1, 0])
  }

  @Test("deterministic: the same start gives the same bits, in Double and Float")
  func deterministic() throws {
    func twice<Scalar: BackpropScalar>(_ type: Scalar.Type) throws {
      let (start, x, y) = try Self.xor(type)
      var a = start, b = start
      let first = try LBFGS(history: 4, maxIterations: 25).minimize(&a, inputs: x, targets: y)
      let second = try LBFGS(history: 4, maxIterations: 25).minimize(&b, inputs: x, targets: y)
      #expect(a == b && first == second)
      #expect(a != start && first.cost < first.costs[0] / 10, "\(first)")
    }
    try twice(Double.self)
    try twice(Float.self)
  }

  @Test("the history is limited to m pairs: m = 1 and m = 10 take different paths, both downhill")
  func historyMatters() throws {
    let (start, x, y) = try Self.xor(Double.self)
    var short = start, long = start
    let one = try LBFGS(history: 1, maxIterations: 15).minimize(&short, inputs: x, targets: y)
    let ten = try LBFGS(history: 10, maxIterations: 15).minimize(&long, inputs: x, targets: y)
    #expect(one.costs[..<3] == ten.costs[..<3])   // one pair is all either has before the second step
    #expect(one.costs != ten.costs)
    #expect(zip(ten.costs, ten.costs.dropFirst()).allSatisfy { $1 < $0 })
  }

  @Test("stops at once when the gradient is already below the tolerance, and refuses bad settings and shapes")
  func edges() throws {
    var x = [3.0]
    let done = try LBFGS().minimize(&x) { _ in (1, [0]) }
    #expect(done.iterations == 0 && done.evaluations == 1 && done.stop == .gradientTolerance && x == [3])
    let capped = try LBFGS(maxEvaluations: 5).minimize(&x) { p in (p[0] * p[0] * p[0] * p[0], [4 * p[0] * p[0] * p[0]]) }
    #expect(capped.evaluations == 5 && capped.stop == .maxEvaluations, "\(capped)")
    #expect(throws: BackpropError.self) { try LBFGS(history: 0) }
    #expect(throws: BackpropError.self) { try LBFGS(tolerance: -1) }
    #expect(throws: BackpropError.self) { try LBFGS(maxIterations: 0) }
    #expect(throws: BackpropError.self) { try LBFGS(maxEvaluations: 0) }
    var network = try Self.linear(inputs: 2)
    #expect(throws: BackpropError.self) {
      try LBFGS().minimize(&network, inputs: try Matrix(rows: [[1, 2, 3]]), targets: try Matrix(rows: [[1, 2, 3]]))
    }
    var start = [0.0]
    #expect(throws: BackpropError.self) { try LBFGS().minimize(&start) { _ in (.nan, [1]) } }
  }
}

@testable import Backprop
import BackpropTestSupport
import Foundation
import Testing

/// `Fixtures/optimizer-trajectories.json`, written by `Scripts/optimizer-reference.py`: PyTorch's documented rules for
/// AdamW, RMSprop, Adagrad and Rprop in NumPy float64, stepped over one parameter vector and five gradients.
struct OptimizerTrajectories: Decodable, Sendable {
  struct Case: Decodable, Sendable {
    var name: String
    var optimizer: String
    var hyperparameters: [String: Hyperparameter]
    /// The parameters after each step.
    var trajectory: [[Double]]
    /// Each slot after the last step.
    var state: [String: [Double]]

    func number(_ key: String) -> Double? {
      if case .number(let x) = hyperparameters[key] { x } else { nil }
    }
    func pair(_ key: String) -> [Double]? {
      if case .pair(let x) = hyperparameters[key] { x } else { nil }
    }

    /// The rule the case describes, with PyTorch's names mapped onto ours and Backprop's defaults for the rest.
    func rule() throws -> any Optimizer {
      let lr = number("lr")!
      switch optimizer {
      case "adamw": return try AdamW(learningRate: lr, weightDecay: number("weight_decay")!)
      case "rmsprop":
        return try RMSprop(learningRate: lr, alpha: number("alpha")!, momentum: number("momentum") ?? 0)
      case "adagrad": return try Adagrad(learningRate: lr, epsilon: number("eps")!)
      case "rprop":
        let etas = pair("etas")!, steps = pair("step_sizes")!
        return try Rprop(learningRate: lr, increase: etas[1], decrease: etas[0], minimumStep: steps[0], maximumStep: steps[1])
      default: throw BackpropError.invalidArgument(name: "optimizer", value: optimizer, expected: "one the test knows")
      }
    }
  }

  /// A hyperparameter: a number, or a pair such as Rprop's `etas`.
  enum Hyperparameter: Decodable, Sendable {
    case number(Double), pair([Double])
    init(from decoder: any Decoder) throws {
      let container = try decoder.singleValueContainer()
      self = try (try? container.decode(Double.self)).map(Hyperparameter.number) ?? .pair(container.decode([Double].self))
    }
  }

  var w0: [Double]
  var gradients: [[Double]]
  var cases: [Case]

  static let shared: OptimizerTrajectories = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../BackpropTestSupport/Fixtures/optimizer-trajectories.json").standardized
    do {
      return try JSONDecoder().decode(OptimizerTrajectories.self, from: Data(contentsOf: url))
    } catch {
      fatalError("cannot read the optimizer trajectories at \(url.path): \(error)")
    }
  }()
}

/// Steps `rule` over `gradients` from `w` with the state starting at zero, as the trainer does, and returns the
/// parameters after every step and the state at the end.
func trajectory<Scalar: BackpropScalar>(_ rule: any Optimizer, w: [Scalar], gradients: [[Scalar]])
  -> (steps: [[Scalar]], state: [Scalar])
{
  var w = w, state = [Scalar](repeating: 0, count: rule.stateNames.count * w.count), steps: [[Scalar]] = []
  for (index, g) in gradients.enumerated() {
    w.withUnsafeMutableBufferPointer { wp in
      g.withUnsafeBufferPointer { gp in
        state.withUnsafeMutableBufferPointer { rule.update(wp, gradient: gp, state: $0, step: index + 1) }
      }
    }
    steps.append(w)
  }
  return (steps, state)
}

@Suite("Optimizers against PyTorch's rules (NumPy float64 reference)")
struct OptimizerReferenceTests {
  static let names = OptimizerTrajectories.shared.cases.map(\.name)

  @Test("the fixture covers every new rule and every branch of Rprop's")
  func fixtureCoverage() {
    let reference = OptimizerTrajectories.shared
    #expect(Set(reference.cases.map(\.optimizer)) == ["adamw", "rmsprop", "adagrad", "rprop"])
    #expect(reference.gradients.count == 5 && reference.w0.count == 4)
    // Rprop meets a sign that holds, a flip, a zero gradient and a zero previous gradient.
    let products = zip(reference.gradients, reference.gradients.dropFirst()).flatMap { zip($0, $1).map { $0 * $1 } }
    #expect(products.contains { $0 > 0 } && products.contains { $0 < 0 } && products.contains(0))
  }

  @Test("in Double, every step and the final state match the reference to 1e-12, relative", arguments: names)
  func double(name: String) throws {
    let reference = OptimizerTrajectories.shared
    let testCase = reference.cases.first { $0.name == name }!
    let rule = try testCase.rule()
    let (steps, state) = trajectory(rule, w: reference.w0, gradients: reference.gradients)
    let tolerance = Tolerance(atol: 1e-15, rtol: 1e-12)
    for (k, expected) in testCase.trajectory.enumerated() {
      expectClose(steps[k], expected, tolerance, "\(name), w after step \(k + 1)")
    }
    #expect(Set(rule.stateNames) == Set(testCase.state.keys))
    let n = reference.w0.count
    for (s, slot) in rule.stateNames.enumerated() {
      expectClose(Array(state[(s * n)..<((s + 1) * n)]), testCase.state[slot] ?? [], tolerance, "\(name), \(slot)")
    }
  }

  @Test("in Float, every step matches the reference to Float's rounding", arguments: names)
  func float(name: String) throws {
    let reference = OptimizerTrajectories.shared
    let testCase = reference.cases.first { $0.name == name }!
    let (steps, _) = trajectory(
      try testCase.rule(), w: reference.w0.map(Float.init), gradients: reference.gradients.map { $0.map(Float.init) })
    // A few roundings per step over five steps, on parameters up to 2 in size: 1e-6 is 4 ulps of Float at 2
    // (where a weight that has moved towards 0 is still only as exact as the larger numbers it came from), and
    // 2e-6 relative is 16 ulps.
    for (k, expected) in testCase.trajectory.enumerated() {
      expectClose(steps[k].map(Double.init), expected, Tolerance(atol: 1e-6, rtol: 2e-6), "\(name), w after step \(k + 1)")
    }
  }

  // MARK: Single steps by hand

  @Test("AdamW, one step by hand: w = 1, g = 0.5, η = 0.1, λ = 0.01")
  func adamWByHand() throws {
    // Decay: w = 1·(1 − 0.1·0.01) = 0.999. Adam's first step: m̂ = g, v̂ = g², so w −= 0.1·0.5/(0.5 + 1e-8).
    let (steps, state) = trajectory(try AdamW(learningRate: 0.1, weightDecay: 0.01), w: [1.0], gradients: [[0.5]])
    #expect(abs(steps[0][0] - (0.999 - 0.05 / 0.50000001)) < 1e-15)
    #expect(abs(steps[0][0] - 0.899000002) < 1e-12)
    #expect(abs(state[0] - 0.05) < 1e-15 && abs(state[1] - 0.00025) < 1e-18)   // m = 0.1·g, v = 0.001·g²
    // With λ = 0 it is Adam, bit for bit.
    let adam = trajectory(try Adam(learningRate: 0.1), w: [1.0, -2], gradients: [[0.5, 0.25], [-0.1, 3]])
    let adamW = trajectory(try AdamW(learningRate: 0.1, weightDecay: 0), w: [1.0, -2], gradients: [[0.5, 0.25], [-0.1, 3]])
    #expect(adam.steps == adamW.steps && adam.state == adamW.state)
  }

  @Test("AdamW's decay is decoupled: a zero gradient still shrinks w by 1 − η·λ, in Float too")
  func adamWDecayAlone() throws {
    // g = 0 leaves m = v = 0 and Adam's step 0/(0 + ε) = 0: only the decay moves w.
    let rule = try AdamW(learningRate: 0.5, weightDecay: 0.2)
    let doubles: [Double] = trajectory(rule, w: [2.0, -4], gradients: [[0, 0], [0, 0]]).steps[1]
    let shrunk: [Double] = [2 * 0.9 * 0.9, -4 * 0.9 * 0.9]
    #expect(doubles == shrunk)
    let floats = trajectory(rule, w: [Float(2), -4], gradients: [[0, 0]]).steps[0]
    #expect(floats == [2 * Float(0.9), -4 * Float(0.9)])
  }

  @Test("RMSprop, one step by hand: w = 1, g = 0.5, η = 0.01, α = 0.99; then with momentum 0.9")
  func rmspropByHand() throws {
    // v = 0.01·0.25 = 0.0025, √v = 0.05, w = 1 − 0.01·0.5/(0.05 + 1e-8) = 1 − 0.1/1.0000002.
    let (steps, state) = trajectory(try RMSprop(), w: [1.0], gradients: [[0.5]])
    #expect(abs(state[0] - 0.0025) < 1e-17)
    #expect(abs(steps[0][0] - (1 - 0.1 / 1.0000002)) < 1e-15)
    // Momentum: b₁ = g/(√v + ε) = 0.5/0.05000001 ≈ 10 at the first step, then b₂ = 0.9·b₁ + g₂/(√v₂ + ε). With
    // g₂ = 0.5 again, v₂ = 0.99·0.0025 + 0.01·0.25 = 0.004975; and w −= 0.01·b at each step.
    let momentum = trajectory(try RMSprop(momentum: 0.9), w: [1.0], gradients: [[0.5], [0.5]])
    let b1 = 0.5 / 0.05000001, b2 = 0.9 * b1 + 0.5 / (0.004975.squareRoot() + 1e-8)
    #expect(abs(b2 - 16.0888092) < 1e-6)
    #expect(abs(momentum.state[1] - b2) < 1e-13)
    #expect(abs(momentum.steps[1][0] - (1 - 0.01 * b1 - 0.01 * b2)) < 1e-14)
  }

  @Test("Adagrad, two steps by hand: w = 1, g = 0.5 twice, η = 0.01")
  func adagradByHand() throws {
    // s = 0.25, w = 1 − 0.01·0.5/(0.5 + 1e-10) ≈ 0.99; s = 0.5, w −= 0.01·0.5/√0.5 = 0.01/√2.
    let (steps, state) = trajectory(try Adagrad(), w: [1.0], gradients: [[0.5], [0.5]])
    #expect(abs(steps[0][0] - 0.99) < 1e-11)
    #expect(state == [0.5])
    #expect(abs(steps[1][0] - (0.99 - 0.01 / 2.0.squareRoot())) < 1e-11)
    #expect(abs(steps[1][0] - 0.982928932188) < 1e-11)
  }

  @Test("Rprop, four steps by hand: grow while the sign holds, shrink and stand still on a flip, then go on")
  func rpropByHand() throws {
    // Δ starts at η = 0.01. g = 1: w = 1 − 0.01. g = 1 again: Δ = 0.012, w = 0.978. g = −1, a flip: Δ = 0.006 and
    // no move; g′ := 0. g = −1: g′·g = 0, Δ stays 0.006, w = 0.978 + 0.006 = 0.984.
    let (steps, state) = trajectory(try Rprop(), w: [1.0], gradients: [[1], [1], [-1], [-1]])
    let expected = [0.99, 0.978, 0.978, 0.984]
    for k in 0..<4 { #expect(abs(steps[k][0] - expected[k]) < 1e-15, "step \(k + 1): \(steps[k][0])") }
    #expect(state[0] == -1 && abs(state[1] - 0.006) < 1e-17)
    // The step flipped at 3 stood still exactly, and only the sign of g matters.
    #expect(steps[2] == steps[1])
    let scaled = trajectory(try Rprop(), w: [1.0], gradients: [[1e-3], [250], [-7], [-1e-9]])
    #expect(scaled.steps == steps)
  }

  @Test("Rprop: a step size of 0 in the state is an unset one; it starts at η, clamped to [Δmin, Δmax]")
  func rpropInitialStep() throws {
    let rule = try Rprop(learningRate: 100, maximumStep: 50)
    var w = [0.0, 0.0], state = [0.0, 0.0, 0.0, 3.0]   // the second parameter's Δ is already 3
    w.withUnsafeMutableBufferPointer { wp in
      [1.0, 1.0].withUnsafeBufferPointer { gp in
        state.withUnsafeMutableBufferPointer { rule.update(wp, gradient: gp, state: $0, step: 7) }
      }
    }
    #expect(w == [-50, -3])
    #expect(state == [1, 1, 50, 3])
  }

  @Test("bad hyperparameters are rejected with their value")
  func validation() {
    #expect(throws: BackpropError.self) { try AdamW(weightDecay: -0.1) }
    #expect(throws: BackpropError.self) { try AdamW(weightDecay: .infinity) }
    #expect(throws: BackpropError.self) { try AdamW(learningRate: 0) }
    #expect(throws: BackpropError.self) { try RMSprop(alpha: 1) }
    #expect(throws: BackpropError.self) { try RMSprop(epsilon: 0) }
    #expect(throws: BackpropError.self) { try RMSprop(momentum: -0.5) }
    #expect(throws: BackpropError.self) { try Adagrad(learningRate: .nan) }
    #expect(throws: BackpropError.self) { try Adagrad(epsilon: -1) }
    #expect(throws: BackpropError.self) { try Rprop(increase: 1) }
    #expect(throws: BackpropError.self) { try Rprop(decrease: 1) }
    #expect(throws: BackpropError.self) { try Rprop(minimumStep: 0) }
    #expect(throws: BackpropError.self) { try Rprop(minimumStep: 1, maximumStep: 0.5) }
    #expect(throws: Never.self) { try Rprop(minimumStep: 0.5, maximumStep: 0.5) }
  }
}

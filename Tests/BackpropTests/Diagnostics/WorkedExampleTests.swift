import Backprop
import BackpropTestSupport
import Testing

/// `backprop explain`'s numbers against the reference's `seed_quantities`, which were computed from the seeds'
/// scalar equations.
@Suite("Worked examples")
struct WorkedExampleTests {
  /// Our key → the reference's key.
  static let singlePathKeys = [
    "a1": "a1", "z2": "z2", "a2": "a2", "z3": "z3", "a3": "a3", "z4": "z4", "a4": "a4_yhat", "J": "J",
    "sigma_prime_z2": "sigma_prime_z2", "sigma_prime_z3": "sigma_prime_z3",
    "delta4": "delta4", "delta3": "delta3", "delta2": "delta2",
  ]

  @Test("single path: every quantity matches seed 000's equations")
  func singlePath() throws {
    let d = WorkedExample.singlePathDefaults
    let example = try WorkedExample.singlePath(theta: d.theta, input: d.input, target: d.target, learningRate: 0.5)
    let reference = ReferenceVectors.case("1").seed_quantities!.compactMapValues(\.number)
    for (ours, theirs) in Self.singlePathKeys {
      expectClose([example.value(ours) ?? .nan], [reference[theirs]!], .double, ours)
    }
    let gradients = Dictionary(uniqueKeysWithValues: example.values(.gradient).map { ($0.key, $0.value) })
    let steps = Dictionary(uniqueKeysWithValues: example.values(.step).map { ($0.key, $0.value) })
    for k in 1...3 {
      expectClose([gradients["theta\(k)"]!], [reference["dJ_dtheta\(k)"]!], .double, "∂J/∂θ\(k)")
      expectClose([steps["theta\(k)"]!], [reference["eq12_update_theta\(k)_lr_0.5"]!], .double, "Δθ\(k)")
    }
    for q in example.quantities where q.kind == .gradient {
      expectClose([q.finiteDifference!], [q.value], Tolerance(atol: 1e-10, rtol: 1e-7), "finite difference \(q.key)")
    }
  }

  @Test("toy 2-2-1: every quantity matches seed 001's equations, typo fixed")
  func toy() throws {
    let d = WorkedExample.toyDefaults
    let example = try WorkedExample.toy(weights: d.weights, input: d.input, target: d.target)
    let reference = ReferenceVectors.case("2").seed_quantities!.compactMapValues(\.number)
    let keys = ["z1_2", "z2_2", "a1_2", "a2_2", "z1_3", "E", "delta1_3", "delta1_2", "delta2_2"]
    for key in keys { expectClose([example.value(key) ?? .nan], [reference[key]!], .double, key) }
    expectClose([example.value("a1_3")!], [reference["a1_3_yhat"]!], .double, "ŷ")
    let gradients = Dictionary(uniqueKeysWithValues: example.values(.gradient).map { ($0.key, $0.value) })
    for i in 1...6 { expectClose([gradients["w\(i)"]!], [reference["dE_dw\(i)"]!], .double, "∂E/∂w\(i)") }
    // Read literally, the typo would give ŷ = σ(a₁⁽²⁾·(w5 + w6)) = 0.60608; the intent gives 0.60648.
    #expect(abs(example.value("a1_3")! - 0.606477732206728) < 1e-15)
  }

  @Test("toy: wrong counts of weights or inputs throw with the expected count")
  func toyBadInput() {
    #expect(throws: BackpropError.self) { try WorkedExample.toy(weights: [1, 2, 3], input: [0, 0], target: 1) }
    do {
      _ = try WorkedExample.toy(weights: [1, 2, 3, 4, 5, 6], input: [0], target: 1)
      Issue.record("expected an error")
    } catch {
      #expect("\(error)".contains("two values x1,x2"))
    }
    #expect(throws: BackpropError.self) {
      try WorkedExample.singlePath(theta: [1, .nan, 2], input: 0, target: 0)
    }
  }
}

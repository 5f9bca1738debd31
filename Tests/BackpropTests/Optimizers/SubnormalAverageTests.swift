import CBackpropKernels
import Testing

@testable import Backprop

/// The rules' running averages go to 0, not into the subnormal range, once they fall below the smallest normal number
/// (`flushedToZero` in Optimizer.swift): on Intel CPUs subnormal arithmetic slowed Adam's epochs by half.
@Suite("Running averages below the smallest normal number")
struct SubnormalAverageTests {
  /// One decay step of an average, x ← β·x (a zero gradient adds +0), as the rules document it: the IEEE product, or 0
  /// when its magnitude is below the smallest normal number. Written from the rule, not from the code.
  static func decayed<S: BackpropScalar>(_ x: S, by beta: S) -> S {
    let product = beta * x
    return abs(product) < S.leastNormalMagnitude ? 0 : product
  }

  /// Averages around the threshold L: some that one decay step takes below it (to 0), some that stay normal, a NaN
  /// that stays NaN; 17 of them, so that the vector loops (two runs of 8 lanes) run as well as the scalar tails.
  static func averages<S: BackpropScalar>(_: S.Type) -> [S] {
    let l = S.leastNormalMagnitude
    let pattern: [S] = [l * 1.05, -l * 1.05, l * 1.0005, l, 2 * l, -2 * l, 4 * l, S.nan]
    return pattern + pattern.reversed() + [l * 1.01]
  }

  /// One step of `rule` with a zero gradient from `state`; the weights (all 0.5) and the state after it.
  static func step<S: BackpropScalar>(_ rule: any Optimizer, state: [S]) -> (w: [S], state: [S]) {
    let n = state.count / rule.stateNames.count
    var w = [S](repeating: 0.5, count: n), state = state
    let gradient = [S](repeating: 0, count: n)
    w.withUnsafeMutableBufferPointer { wp in
      gradient.withUnsafeBufferPointer { gp in
        state.withUnsafeMutableBufferPointer { rule.update(wp, gradient: gp, state: $0, step: 7) }
      }
    }
    return (w, state)
  }

  static func expectDecayed<S: BackpropScalar>(_ found: [S], from start: [S], by beta: Double, _ label: String) {
    let expected = start.map { decayed($0, by: S(beta)) }
    #expect(found.count == expected.count, "\(label)")
    for (f, e) in zip(found, expected) {
      #expect(f.isNaN && e.isNaN || f == e && f.sign == e.sign, "\(label): \(f), expected \(e)")
    }
    // The rule must have flushed something, or this test checks nothing.
    #expect(found.contains(0), "\(label)")
  }

  /// Each rule's state slots: the decay rate, and whether the slot averages squares (never negative, so its test
  /// values are not: a negative v would make √v a NaN that spreads to the next slot).
  static let rules: [(String, any Optimizer, [(beta: Double, squares: Bool)])] = [
    ("Adam", try! Adam(learningRate: 0.01), [(0.9, false), (0.999, true)]),
    ("AdamW", try! AdamW(learningRate: 0.01), [(0.9, false), (0.999, true)]),
    ("momentum", try! GradientDescent(learningRate: 0.1, momentum: 0.9), [(0.9, false)]),
    ("Nesterov", try! GradientDescent(learningRate: 0.1, momentum: 0.9, nesterov: true), [(0.9, false)]),
    ("RMSprop", try! RMSprop(alpha: 0.99), [(0.99, true)]),
    ("RMSprop with momentum", try! RMSprop(alpha: 0.99, momentum: 0.9), [(0.99, true), (0.9, false)]),
  ]

  func check<S: BackpropScalar>(_: S.Type, label: String) {
    for (name, rule, slots) in Self.rules {
      let starts = slots.map { slot in Self.averages(S.self).map { slot.squares ? abs($0) : $0 } }
      let n = starts[0].count
      let (w, state) = Self.step(rule, state: starts.flatMap { $0 })
      for (index, slot) in slots.enumerated() {
        Self.expectDecayed(
          Array(state[index * n..<(index + 1) * n]), from: starts[index], by: slot.beta, "\(name), \(label), slot \(index)")
      }
      // A weight whose averages are all 0 now does not move (AdamW aside: its decoupled decay moves every weight).
      for i in 0..<n where slots.indices.allSatisfy({ state[$0 * n + i] == 0 }) && name != "AdamW" {
        #expect(w[i] == 0.5, "\(name), \(label): weight \(i) moved to \(w[i])")
      }
    }
  }

  @Test("Double: every rule stores a decayed average below the smallest normal number as 0, NaN kept")
  func double() {
    check(Double.self, label: "Double")
  }

  @Test("Float: the same in the C loops, on every instruction set")
  func float() {
    for isa in [BP_ISA_GENERIC, BP_ISA_AVX2] where isa.rawValue <= bp_isa_detected().rawValue {
      #expect(bp_isa_force(isa) == 1)
      check(Float.self, label: String(cString: bp_isa_name(isa)))
    }
    _ = bp_isa_force(bp_isa_detected())
  }
}

import CBackpropKernels
import Foundation
import Testing

@testable import Backprop

/// The C activation kernels (Float): against their definitions in Double, and the same bits on every path.
@Suite("Activation kernels", .serialized)
struct ActivationKernelTests {
  /// Values that reach every branch: signs, zeros, the clamps of e^x, and a NaN.
  static func inputs(_ count: Int, seed: UInt64) -> [Float] {
    var g = SeededGenerator(seed: seed)
    var values = (0..<count).map { _ in Float(g.nextUniform(in: -12, 12)) }
    let special: [Float] = [0, -0, 1e-30, -1e-30, 90, -90, 200, -200, 88, -87, .nan]
    for (i, s) in special.enumerated() where i < count { values[i * 3 % count] = s }
    return values
  }

  @Test("e^x is within 2 ulp on [−87, 88]")
  func exponential() {
    var worst = 0.0
    for i in 0...350_000 {
      let x = Float(-87 + 175 * Double(i) / 350_000)
      let want = Foundation.exp(Double(x)), got = Double(bp_expf(x))
      worst = max(worst, abs(got - want) / (want * Double(Float.ulpOfOne)))
    }
    #expect(worst <= 2, "worst error \(worst) ulp")
    #expect(bp_expf(.nan).isNaN)
    #expect(bp_expf(-1000) > 0 && bp_expf(1000).isFinite, "clamped, not 0 or ∞")
  }

  @Test("bias + activation: the definition within a few ulp, the same bits on every path", arguments: [
    (Activation.linear, BP_ACTIVATION_LINEAR), (.relu, BP_ACTIVATION_RELU), (.leakyReLU, BP_ACTIVATION_LEAKY_RELU),
    (.sigmoid, BP_ACTIVATION_SIGMOID),
  ])
  func biasActivation(_ activation: Activation, _ kind: bp_activation) {
    // 4 blocks of 8 and a tail along each row; then one sample (inference one at a time), a column of 37 rows, whose
    // kernel runs down the column
    for (rows, columns) in [(5, 37), (37, 1)] {
      let bias = rows == 5 ? [0.5, -1, 0, 3, -0.25] : (0..<rows).map { Float($0 % 7) * 0.75 - 2 }
      biasActivation(activation, kind, rows: rows, columns: columns, bias: bias)
    }
  }

  func biasActivation(_ activation: Activation, _ kind: bp_activation, rows: Int, columns: Int, bias: [Float]) {
    let z0 = Self.inputs(rows * columns, seed: 3)
    var outputs: [[Float]] = []
    for isa in GemmTests.instructionSets {
      #expect(bp_isa_force(isa) == 1)
      var z = z0, a = [Float](repeating: -7, count: rows * columns)
      bp_bias_activation(kind, Int32(rows), Int32(columns), bias, &z, &a)
      for i in 0..<rows {
        for j in 0..<columns {
          let zd = Double(z0[i * columns + j]) + Double(bias[i])
          #expect(z[i * columns + j] == z0[i * columns + j] + bias[i] || zd.isNaN, "Z gets the bias")
          let want = Double(Float(zd)).isNaN ? Double.nan : activation.derivativeFree(Double(Float(zd)))
          let got = Double(a[i * columns + j])
          if want.isNaN {
            #expect(got.isNaN)
          } else {
            #expect(abs(got - want) <= 4 * Double(Float.ulpOfOne) * max(abs(want), 1e-30) + 1e-38, "\(activation) at \(zd)")
          }
        }
      }
      outputs.append(a)
    }
    _ = bp_isa_force(bp_isa_detected())
    for other in outputs.dropFirst() { #expect(other.map(\.bitPattern) == outputs[0].map(\.bitPattern)) }
  }

  @Test("softmax over columns: sums to 1, matches Double, the same bits on every path")
  func softmax() {
    let rows = 10, columns = 27
    let z = Self.inputs(rows * columns, seed: 4).map { $0.isNaN ? 1 : $0 }
    var outputs: [[Float]] = []
    for isa in GemmTests.instructionSets {
      #expect(bp_isa_force(isa) == 1)
      var a = [Float](repeating: 0, count: rows * columns)
      bp_softmax_columns(Int32(rows), Int32(columns), z, &a)
      for j in 0..<columns {
        // zₖ − max as the kernel rounds it, in Float; then e^x and the quotient in Double. e^x is clamped below at
        // e^−87 ≈ 1.6e−38, hence the absolute term.
        let column = (0..<rows).map { z[$0 * columns + j] }
        let maximum = column.max()!, shifted = column.map { Double($0 - maximum) }
        let sum = shifted.map { Foundation.exp($0) }.reduce(0, +)
        for k in 0..<rows {
          let want = Foundation.exp(shifted[k]) / sum
          #expect(abs(Double(a[k * columns + j]) - want) <= 1e-6 * want + 2e-38, "a[\(k), \(j)]")
        }
      }
      outputs.append(a)
    }
    _ = bp_isa_force(bp_isa_detected())
    for other in outputs.dropFirst() { #expect(other.map(\.bitPattern) == outputs[0].map(\.bitPattern)) }
  }

  @Test("dZ = dA ∘ g′: the definition, the same bits on every path", arguments: [
    (Activation.relu, BP_ACTIVATION_RELU), (.leakyReLU, BP_ACTIVATION_LEAKY_RELU), (.sigmoid, BP_ACTIVATION_SIGMOID),
    (.tanh, BP_ACTIVATION_TANH),
  ])
  func backward(_ activation: Activation, _ kind: bp_activation) {
    let count = 61
    let z = Self.inputs(count, seed: 5).map { $0.isNaN ? 0.5 : $0 }
    let a = z.map { Float(activation.derivativeFree(Double($0))) }
    let d0 = Self.inputs(count, seed: 6).map { $0.isNaN ? -2 : $0 }
    var outputs: [[Float]] = []
    for isa in GemmTests.instructionSets {
      #expect(bp_isa_force(isa) == 1)
      var d = d0
      bp_activation_backward(kind, count, z, a, &d)
      for i in 0..<count {
        // The Swift loop's arithmetic, in Float: the kernels must equal it exactly.
        let want = d0[i] * activation.derivative(z: z[i], a: a[i])!
        #expect(d[i].bitPattern == want.bitPattern || (d[i].isNaN && want.isNaN), "\(activation) at \(z[i])")
      }
      outputs.append(d)
    }
    _ = bp_isa_force(bp_isa_detected())
    for other in outputs.dropFirst() { #expect(other.map(\.bitPattern) == outputs[0].map(\.bitPattern)) }
  }
}

extension Activation {
  /// g(z) from its definition in Double, for the activations with a per-unit formula.
  fileprivate func derivativeFree(_ z: Double) -> Double {
    switch self {
    case .linear: return z
    case .relu: return z < 0 ? 0 : z
    case .leakyReLU: return z > 0 ? z : Double(Float(0.01)) * z
    case .sigmoid: return 1 / (1 + Foundation.exp(-z))
    case .tanh: return Foundation.tanh(z)
    default: return .nan
    }
  }
}

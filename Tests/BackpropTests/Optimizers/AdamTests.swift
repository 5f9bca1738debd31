@testable import Backprop
import Foundation
import Testing

@Suite("Adam")
struct AdamTests {
  /// Adam in the paper's form (Kingma and Ba, 2015, Algorithm 1), written out here independently.
  func textbook(w: [Double], gradients: [[Double]], eta: Double, b1: Double = 0.9, b2: Double = 0.999, eps: Double = 1e-8)
    -> [Double]
  {
    var w = w, m = [Double](repeating: 0, count: w.count), v = m
    for (index, g) in gradients.enumerated() {
      let t = Double(index + 1)
      for i in w.indices {
        m[i] = b1 * m[i] + (1 - b1) * g[i]
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
        let mHat = m[i] / (1 - Foundation.pow(b1, t)), vHat = v[i] / (1 - Foundation.pow(b2, t))
        w[i] -= eta * mHat / (vHat.squareRoot() + eps)
      }
    }
    return w
  }

  func run(_ adam: Adam, w: [Double], gradients: [[Double]]) -> (w: [Double], state: [Double]) {
    var w = w, state = [Double](repeating: 0, count: 2 * w.count)
    for (index, g) in gradients.enumerated() {
      w.withUnsafeMutableBufferPointer { wp in
        g.withUnsafeBufferPointer { gp in
          state.withUnsafeMutableBufferPointer { adam.update(wp, gradient: gp, state: $0, step: index + 1) }
        }
      }
    }
    return (w, state)
  }

  @Test("the first step moves each weight by η against the sign of its gradient, to within ε")
  func firstStep() throws {
    // m̂ = g and v̂ = g² after one step, so Δw = −η·g/(|g| + ε).
    let (w, state) = run(try Adam(learningRate: 0.1), w: [1, -2], gradients: [[0.5, -4]])
    #expect(abs(w[0] - (1 - 0.1 * 0.5 / (0.5 + 1e-8))) < 1e-15)
    #expect(abs(w[1] - (-2 + 0.1 * 4 / (4 + 1e-8))) < 1e-15)
    // m = (1 − β1)·g, v = (1 − β2)·g².
    let expected = [0.05, -0.4, 0.001 * 0.25, 0.001 * 16]
    for i in 0..<4 { #expect(abs(state[i] - expected[i]) <= 1e-14 * abs(expected[i]), "state[\(i)] = \(state[i])") }
  }

  @Test("three steps match the paper's algorithm")
  func threeSteps() throws {
    let gradients: [[Double]] = [[0.3, -1.2, 0], [0.1, 0.4, 2e-3], [-0.25, 0.9, 1e-6]]
    let (w, _) = run(try Adam(learningRate: 0.01), w: [0.5, 0.25, -1], gradients: gradients)
    let expected = textbook(w: [0.5, 0.25, -1], gradients: gradients, eta: 0.01)
    for i in w.indices { #expect(abs(w[i] - expected[i]) <= 1e-15 * max(1, abs(expected[i])), "w[\(i)]") }
  }

  @Test("bad hyperparameters are rejected with their value")
  func validation() {
    #expect(throws: BackpropError.self) { try Adam(learningRate: 0) }
    #expect(throws: BackpropError.self) { try Adam(beta1: 1) }
    #expect(throws: BackpropError.self) { try Adam(beta2: -0.1) }
    #expect(throws: BackpropError.self) { try Adam(epsilon: .nan) }
  }

  @Test("a network trained with Adam lowers its cost")
  func trainsANetwork() throws {
    var generator = SeededGenerator(seed: 2)
    var network = try Network<Float>(sizes: [2, 8, 1], activations: [.tanh, .sigmoid], loss: .binaryCrossEntropy, using: &generator)
    let x = try Matrix<Float>(rows: [[0, 0, 1, 1], [0, 1, 0, 1]]), y = try Matrix<Float>(rows: [[0, 1, 1, 0]])
    var trainer = Trainer<Float>(optimizer: try Adam(learningRate: 0.05))
    let before = try network.cost(inputs: x, targets: y)
    for _ in 0..<300 { _ = try trainer.step(&network, inputs: x, targets: y) }
    #expect(try network.cost(inputs: x, targets: y) < before / 10)
    #expect(trainer.state.count == 4 && trainer.state[0].count == 2 * 16)
  }
}

import CBackpropKernels

@Suite("Adam in Float")
struct AdamFloatTests {
  @Test("the C loop gives the Swift loop's bits, on every instruction set")
  func sameBitsEverywhere() throws {
    var g = SeededGenerator(seed: 4)
    let n = 1003
    let w0 = (0..<n).map { _ in Float(g.nextUniform(in: -1, 1)) }
    let gradients = (0..<3).map { _ in (0..<n).map { _ in Float(g.nextUniform(in: -0.1, 0.1)) } }
    // Adam's update written here in Swift, grouped as Adam.swift documents, in Float.
    var w = w0, m = [Float](repeating: 0, count: n), v = m
    for (index, gradient) in gradients.enumerated() {
      let t = index + 1
      let stepSize = Float(0.01 / (1 - power(0.9, t))), correction2 = Float((1 - power(0.999, t)).squareRoot())
      for i in 0..<n {
        m[i] = Float(0.9) * m[i] + (1 - Float(0.9)) * gradient[i]
        v[i] = Float(0.999) * v[i] + (1 - Float(0.999)) * gradient[i] * gradient[i]
        w[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2 + Float(1e-8))
      }
    }
    for isa in [BP_ISA_GENERIC, BP_ISA_AVX2] where isa.rawValue <= bp_isa_detected().rawValue {
      #expect(bp_isa_force(isa) == 1)
      let adam = try Adam(learningRate: 0.01)
      var weights = w0, state = [Float](repeating: 0, count: 2 * n)
      for (index, gradient) in gradients.enumerated() {
        weights.withUnsafeMutableBufferPointer { wp in
          gradient.withUnsafeBufferPointer { gp in
            state.withUnsafeMutableBufferPointer { adam.update(wp, gradient: gp, state: $0, step: index + 1) }
          }
        }
      }
      #expect(weights.map(\.bitPattern) == w.map(\.bitPattern), "\(String(cString: bp_isa_name(isa)))")
      #expect(state[n...].map(\.bitPattern) == v.map(\.bitPattern))
    }
    _ = bp_isa_force(bp_isa_detected())
  }
}

@testable import Backprop
import Testing

/// What a training step hands its optimizer: one call with every parameter tensor, W[1], b[1], W[2], … in order, each
/// with the gradient a separate backward pass computes and with its own slots of the trainer's state.
@Suite("Optimizer protocol")
struct OptimizerProtocolTests {
  /// What the rule below saw, call by call: per tensor, its size, its gradient and its state's size.
  final class Log: @unchecked Sendable {  // written by one test's steps on one thread
    var calls: [[(count: Int, gradient: [Double], state: Int)]] = []
  }

  /// Gradient descent with η = 0.1 that records each call and counts its steps in a one-slot state.
  struct Recording: Optimizer {
    let log: Log
    var stateNames: [String] { ["steps"] }

    func update<Scalar: BackpropScalar>(_ tensors: UnsafeBufferPointer<ParameterTensor<Scalar>>, step: Int) {
      log.calls.append(tensors.map { ($0.w.count, $0.gradient.map { Double($0) }, $0.state.count) })
      for tensor in tensors {
        for i in tensor.w.indices {
          tensor.w[i] -= Scalar(0.1) * tensor.gradient[i]
          tensor.state[i] += 1
        }
      }
    }
  }

  static func data() throws -> (x: Matrix<Double>, y: Matrix<Double>) {
    (try Matrix(rows: [[0, 1, 0.5, -1, 2], [1, 0, 0.25, 3, -2], [0.5, 0.5, -1, 1, 0]]),
     try Matrix(rows: [[1, 0, 1, 0, 1], [0, 1, 0, 1, 0]]))
  }

  /// A random 3-4-2 network for `data()`.
  static func network(seed: UInt64, _ activations: [Activation], _ loss: Loss, biases: Bool = true) throws -> Network<Double> {
    var generator = SeededGenerator(seed: seed)
    return try Network(sizes: [3, 4, 2], activations: activations, loss: loss, biases: biases, using: &generator)
  }

  @Test("a step hands the rule every tensor at once, in order, with its gradient and its own state")
  func everyTensorInOneCall() throws {
    let (x, y) = try Self.data()
    var network = try Self.network(seed: 3, [.sigmoid, .sigmoid], .meanSquaredError)
    let before = network
    let expected = try network.gradients(inputs: x, targets: y)
    let log = Log()
    var trainer = Trainer<Double>(optimizer: Recording(log: log))
    _ = try trainer.step(&network, inputs: x, targets: y)

    #expect(log.calls.count == 1)
    let tensors = try #require(log.calls.first)
    let gradients = [expected.weights[0].scalars, expected.biases[0], expected.weights[1].scalars, expected.biases[1]]
    #expect(tensors.map(\.count) == [12, 4, 8, 2])
    #expect(tensors.map(\.state) == [12, 4, 8, 2])
    #expect(tensors.map(\.gradient) == gradients)  // the same bits as the backward pass on its own
    let after = network.layers.flatMap { [$0.weights.scalars, $0.biases] }
    let stepped = zip(before.layers.flatMap { [$0.weights.scalars, $0.biases] }, gradients).map { w, g in
      zip(w, g).map { $0 - 0.1 * $1 }
    }
    #expect(after == stepped)

    _ = try trainer.step(&network, inputs: x, targets: y)
    #expect(log.calls.count == 2)
    #expect(trainer.state.map(\.count) == [12, 4, 8, 2])
    #expect(trainer.state.allSatisfy { $0.allSatisfy { $0 == 2 } })  // each tensor's slots, and no other's
  }

  @Test("layers without biases hand the rule no bias tensor; their state stays empty")
  func noBiases() throws {
    let (x, y) = try Self.data()
    var network = try Self.network(seed: 4, [.sigmoid, .sigmoid], .meanSquaredError, biases: false)
    let log = Log()
    var trainer = Trainer<Double>(optimizer: Recording(log: log))
    _ = try trainer.step(&network, inputs: x, targets: y)
    #expect(log.calls.map { $0.map(\.count) } == [[12, 8]])
    #expect(trainer.state.map(\.count) == [12, 0, 8, 0])
  }

  @Test("a rule's one-tensor update is its update of that tensor alone")
  func oneTensor() throws {
    let rule = try Adam(learningRate: 0.01)
    var one: [Double] = [0.5, -1, 2], stateOne = [Double](repeating: 0, count: 6)
    var batched = one, stateBatched = stateOne
    let g: [Double] = [0.1, -0.2, 0.3]
    g.withUnsafeBufferPointer { gp in
      one.withUnsafeMutableBufferPointer { w in
        stateOne.withUnsafeMutableBufferPointer { rule.update(w, gradient: gp, state: $0, step: 1) }
      }
      batched.withUnsafeMutableBufferPointer { w in
        stateBatched.withUnsafeMutableBufferPointer { s in
          let tensors = [ParameterTensor(w: w, gradient: gp, state: s)]
          tensors.withUnsafeBufferPointer { rule.update($0, step: 1) }
        }
      }
    }
    #expect(one == batched && stateOne == stateBatched)
    #expect(one != [0.5, -1, 2])
  }

  /// docs/training-options.md's example of a rule of one's own, as written there.
  struct SignDescent: Optimizer {
    var learningRate: Double
    var stateNames: [String] { [] }

    func update<Scalar: BackpropScalar>(_ tensors: UnsafeBufferPointer<ParameterTensor<Scalar>>, step: Int) {
      let eta = Scalar(learningRate)
      for tensor in tensors {
        for i in tensor.w.indices where tensor.gradient[i] != 0 {
          tensor.w[i] -= tensor.gradient[i] > 0 ? eta : -eta
        }
      }
    }
  }

  @Test("the documented rule of one's own moves every parameter by ±η against its gradient's sign")
  func documentedRule() throws {
    let (x, y) = try Self.data()
    var network = try Self.network(seed: 5, [.tanh, .sigmoid], .binaryCrossEntropy)
    let before = network.layers.flatMap { [$0.weights.scalars, $0.biases] }
    let gradients = try network.gradients(inputs: x, targets: y)
    var trainer = Trainer<Double>(optimizer: SignDescent(learningRate: 0.01))
    _ = try trainer.step(&network, inputs: x, targets: y)
    let g = [gradients.weights[0].scalars, gradients.biases[0], gradients.weights[1].scalars, gradients.biases[1]]
    let expected = zip(before, g).map { w, g in zip(w, g).map { $1 > 0 ? $0 - 0.01 : $1 < 0 ? $0 + 0.01 : $0 } }
    #expect(network.layers.flatMap { [$0.weights.scalars, $0.biases] } == expected)
    #expect(trainer.state == [[], [], [], []])
  }
}

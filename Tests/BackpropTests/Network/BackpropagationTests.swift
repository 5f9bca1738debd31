import Backprop
import BackpropTestSupport
import Testing

@Suite("Backpropagation")
struct BackpropagationTests {
  /// Targets that suit each loss: one-hot for cross-entropy, 0/1 for binary cross-entropy, [−1, 1) otherwise.
  static func batch(inputs: Int, outputs: Int, count: Int, loss: Loss, using generator: inout SeededGenerator)
    -> (Matrix<Double>, Matrix<Double>)
  {
    let x = Matrix<Double>(rows: inputs, columns: count).map { _ in generator.nextUniform(in: -1, 1) }
    var y = Matrix<Double>(rows: outputs, columns: count)
    for j in 0..<count {
      switch loss {
      case .crossEntropy: y[generator.nextInt(below: outputs), j] = 1
      case .binaryCrossEntropy: for i in 0..<outputs { y[i, j] = Double(generator.nextInt(below: 2)) }
      case .meanSquaredError: for i in 0..<outputs { y[i, j] = generator.nextUniform(in: -1, 1) }
      }
    }
    return (x, y)
  }

  @Test("every activation × cost pair matches finite differences (normwise ≤ 1e-7 per tensor)",
        arguments: Activation.allCases, Loss.allCases)
  func gradientsMatchFiniteDifferences(output: Activation, loss: Loss) throws {
    var generator = SeededGenerator(seed: 42)
    // The activation under test is the output layer's and, where it applies per unit, the hidden layer's too.
    let hidden: Activation = output == .softmax ? .tanh : output
    let network = try Network<Double>(
      sizes: [3, 5, 4], activations: [hidden, output], loss: loss, using: &generator)
    let (x, y) = Self.batch(inputs: 3, outputs: 4, count: 7, loss: loss, using: &generator)
    let analytic = try network.gradients(inputs: x, targets: y)
    let numeric = try finiteDifferenceGradients(of: network, inputs: x, targets: y)
    for l in network.layers.indices {
      let wError = normwiseRelativeError(analytic.weights[l].scalars, numeric.weights[l].scalars)
      let bError = normwiseRelativeError(analytic.biases[l], numeric.biases[l])
      #expect(wError <= 1e-7, "W\(l + 1): relative error \(wError)")
      #expect(bError <= 1e-7, "b\(l + 1): relative error \(bError)")
    }
  }

  @Test("deeper mixed networks match finite differences, input gradient included")
  func deepNetworkWithInputGradient() throws {
    var generator = SeededGenerator(seed: 7)
    let network = try Network<Double>(
      sizes: [4, 6, 5, 4, 3], activations: [.gelu, .elu, .leakyReLU, .softmax], loss: .crossEntropy,
      using: &generator)
    let (x, y) = Self.batch(inputs: 4, outputs: 3, count: 5, loss: .crossEntropy, using: &generator)
    let trace = try network.trace(inputs: x, targets: y, inputGradient: true)
    let numeric = try finiteDifferenceGradients(of: network, inputs: x, targets: y)
    for l in network.layers.indices {
      #expect(normwiseRelativeError(trace.gradients.weights[l].scalars, numeric.weights[l].scalars) <= 1e-7)
    }
    // ∂C/∂X by moving each input entry.
    let h = 1e-5
    var dX = Matrix<Double>(rows: 4, columns: 5)
    for i in 0..<4 {
      for j in 0..<5 {
        func cost(_ k: Double) throws -> Double {
          var moved = x
          moved[i, j] += k * h
          return try network.cost(inputs: moved, targets: y)
        }
        dX[i, j] = (try cost(-2) - 8 * cost(-1) + 8 * cost(1) - cost(2)) / (12 * h)
      }
    }
    #expect(normwiseRelativeError(trace.inputGradient!.scalars, dX.scalars) <= 1e-7)
  }

  @Test("no input gradient unless asked for")
  func noInputGradientByDefault() throws {
    let reference = ReferenceVectors.case("5a")
    let trace = try reference.network(Double.self).trace(inputs: reference.inputs(), targets: reference.targets())
    #expect(trace.inputGradient == nil)
  }

  @Test("the fused paths stay finite for saturated outputs")
  func saturatedOutputsStayFinite() throws {
    // Logits of ±800: σ and softmax round to exactly 0 and 1, where log would give −∞.
    for (activation, loss) in [(Activation.sigmoid, Loss.binaryCrossEntropy), (.softmax, .crossEntropy)] {
      let network = try Network<Double>(
        layers: [Dense(weights: Matrix(rows: [[800], [-800]]), biases: [0, 0], activation: activation)], loss: loss)
      let x = try Matrix<Double>(rows: [[1]])
      let y = try Matrix<Double>(rows: [[0], [1]])
      let trace = try network.trace(inputs: x, targets: y)
      #expect(trace.cost.isFinite && trace.cost > 700, "\(loss) cost \(trace.cost)")
      #expect(trace.gradients.weights[0].scalars.allSatisfy { $0.isFinite })
      #expect(trace.delta[0].scalars == [1, -1])
    }
  }

  @Test("a layer whose inputs do not fit the previous layer's outputs is named, with both shapes")
  func layerShapeMismatch() throws {
    var generator = SeededGenerator(seed: 1)
    let first = try Dense<Double>(inputs: 4, outputs: 5, activation: .relu, using: &generator)
    let second = try Dense<Double>(inputs: 3, outputs: 2, activation: .sigmoid, using: &generator)
    do {
      _ = try Network(layers: [first, second], loss: .meanSquaredError)
      Issue.record("expected a shape error")
    } catch let error as BackpropError {
      let message = error.description
      #expect(message.contains("layer 2"), "\(message)")
      #expect(message.contains("2×3"), "\(message)")
      #expect(message.contains("5 columns"), "\(message)")
    }
  }

  @Test("inputs and targets of the wrong shape throw, naming the layer and both shapes")
  func batchShapeMismatch() throws {
    var generator = SeededGenerator(seed: 1)
    let network = try Network<Float>(sizes: [4, 5, 3], activations: [.relu, .softmax], loss: .crossEntropy, using: &generator)
    do {
      _ = try network.predict(Matrix(rows: 3, columns: 7))
      Issue.record("expected a shape error")
    } catch let error as BackpropError {
      #expect(error.description.contains("layer 1"))
      #expect(error.description.contains("5×4"))
      #expect(error.description.contains("3×7"))
    }
    do {
      _ = try network.cost(inputs: Matrix(rows: 4, columns: 7), targets: Matrix(rows: 3, columns: 6))
      Issue.record("expected a shape error")
    } catch let error as BackpropError {
      #expect(error.description.contains("layer 2"))
      #expect(error.description.contains("3×7"))
      #expect(error.description.contains("3×6"))
    }
  }

  @Test("NaN in inputs or targets throws, naming the matrix, row and column")
  func nanInputs() throws {
    var generator = SeededGenerator(seed: 1)
    let network = try Network<Double>(sizes: [2, 1], activations: [.sigmoid], loss: .meanSquaredError, using: &generator)
    var x = Matrix<Double>(rows: 2, columns: 3)
    x[1, 2] = .nan
    do {
      _ = try network.predict(x)
      Issue.record("expected an error")
    } catch {
      #expect("\(error)" == "inputs, row 2, column 3: expected a finite number, found nan")
    }
    let y = try Matrix<Double>(rows: [[0, .infinity, 0]])
    do {
      _ = try network.cost(inputs: Matrix(rows: 2, columns: 3), targets: y)
      Issue.record("expected an error")
    } catch {
      #expect("\(error)" == "targets, row 1, column 2: expected a finite number, found inf")
    }
  }
}

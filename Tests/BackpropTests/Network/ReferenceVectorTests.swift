import Backprop
import BackpropTestSupport
import Testing

/// The seeds' worked examples against `seed-examples.json`: forward pass, cost, δ, gradients and five
/// gradient-descent steps, in Double (atol 1e-12, rtol 1e-9) and Float (atol 1e-6, rtol 1e-4).
@Suite("Reference vectors of the seeds' examples")
struct ReferenceVectorTests {
  static let ids = ["1", "2", "5a", "5b"]

  @Test("forward pass, cost, δ and gradients match in Double", arguments: ids)
  func passDouble(id: String) throws { try checkPass(Double.self, id: id) }

  @Test("forward pass, cost, δ and gradients match in Float", arguments: ids)
  func passFloat(id: String) throws { try checkPass(Float.self, id: id) }

  @Test("five gradient-descent steps match in Double", arguments: ids)
  func trainingDouble(id: String) throws { try checkTraining(Double.self, id: id) }

  @Test("five gradient-descent steps match in Float", arguments: ids)
  func trainingFloat(id: String) throws { try checkTraining(Float.self, id: id) }

  @Test("seeds 000 and 001 trained with biases too match in Double", arguments: ["1", "2"])
  func trainingWithBiases(id: String) throws {
    let reference = ReferenceVectors.case(id)
    try train(Double.self, reference, reference.training_with_biases!, biases: true, .double)
  }

  private func checkPass<Scalar: BackpropScalar>(_: Scalar.Type, id: String) throws {
    let reference = ReferenceVectors.case(id)
    let tolerance = Tolerance.reference(for: Scalar.self)
    let network = try reference.network(Scalar.self)
    let trace = try network.trace(inputs: reference.inputs(), targets: reference.targets())
    for l in reference.layers.indices {
      expectClose(trace.z[l], reference.forward[l].Z, tolerance, "case \(id) Z[\(l + 1)]")
      expectClose(trace.a[l], reference.forward[l].A, tolerance, "case \(id) A[\(l + 1)]")
      expectClose(trace.delta[l], reference.delta[l], tolerance, "case \(id) δ[\(l + 1)]")
      expectClose(trace.gradients.weights[l], reference.gradients[l].dW, tolerance, "case \(id) dW[\(l + 1)]")
      expectClose(trace.gradients.biases[l].map(Double.init), reference.gradients[l].db, tolerance, "case \(id) db[\(l + 1)]")
    }
    expectClose([Double(trace.cost)], [reference.loss], tolerance, "case \(id) cost")
  }

  private func checkTraining<Scalar: BackpropScalar>(_: Scalar.Type, id: String) throws {
    let reference = ReferenceVectors.case(id)
    let training = reference.training
    // Seeds 000 and 001 have no biases and their 'training' holds b at 0: a network without biases.
    try train(Scalar.self, reference, training, biases: training.biases_trained ?? true, .reference(for: Scalar.self))
  }

  private func train<Scalar: BackpropScalar>(
    _: Scalar.Type, _ reference: ReferenceVectors.Case, _ training: ReferenceVectors.Case.Training, biases: Bool,
    _ tolerance: Tolerance
  ) throws {
    var network = try reference.network(Scalar.self, biases: biases)
    let x: Matrix<Scalar> = try reference.inputs(), y: Matrix<Scalar> = try reference.targets()
    var trainer = Trainer<Scalar>(optimizer: try GradientDescent(learningRate: training.learning_rate!))
    var losses: [Double] = []
    for _ in 0..<training.steps! { losses.append(Double(try trainer.step(&network, inputs: x, targets: y))) }
    losses.append(Double(try network.cost(inputs: x, targets: y)))
    expectClose(losses, training.losses, tolerance, "case \(reference.id) losses")
    for (l, layer) in training.final_layers.enumerated() {
      expectClose(network.layers[l].weights, layer.W, tolerance, "case \(reference.id) final W[\(l + 1)]")
      if biases {
        expectClose(network.layers[l].biases.map(Double.init), layer.b, tolerance, "case \(reference.id) final b[\(l + 1)]")
      }
    }
    #expect(trainer.step == training.steps!)
  }
}

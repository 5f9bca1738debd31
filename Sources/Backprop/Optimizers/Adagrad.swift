/// Adagrad (Duchi, Hazan and Singer, 2011): gradient descent with each parameter's step divided by the root of the
/// sum of all its squared gradients so far; by the rule of PyTorch's `torch.optim.Adagrad` (no learning-rate
/// decay, the sum starting at 0).
///
/// With g = ∂C/∂w and s, the sum of g², starting at 0:
///
///     s := s + g²
///     w := w − η·g / (√s + ε)
///
/// The first step is about ±η for every parameter with a gradient; after that, parameters with large or frequent
/// gradients slow down and rare ones keep their step. As s only grows, the steps shrink for good: a fit for sparse
/// features and convex problems, less so for long training runs (RMSprop forgets, Adagrad does not).
public struct Adagrad: Optimizer, Codable, Equatable {
  /// η.
  public var learningRate: Double
  /// ε, added to the denominator.
  public var epsilon: Double

  /// PyTorch's defaults: η = 0.01, ε = 1e-10.
  ///
  /// - Throws: `BackpropError.invalidArgument` unless η and ε are finite and greater than 0.
  public init(learningRate: Double = 1e-2, epsilon: Double = 1e-10) throws {
    try Hyperparameter.positive(learningRate, "learning rate")
    try Hyperparameter.positive(epsilon, "epsilon")
    self.learningRate = learningRate
    self.epsilon = epsilon
  }

  /// s, the sum of the squared gradients.
  public var stateNames: [String] { Self.slots }
  private static let slots = ["sum"]

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func update<Scalar: BackpropScalar>(_ tensors: UnsafeBufferPointer<ParameterTensor<Scalar>>, step: Int) {
    for tensor in tensors { update(tensor, step: step) }
  }

  /// The rule on one tensor.
  @inline(__always)
  private func update<Scalar: BackpropScalar>(_ tensor: ParameterTensor<Scalar>, step: Int) {
    let (w, gradient, state) = (tensor.w, tensor.gradient, tensor.state)
    let eta = Scalar(learningRate), eps = Scalar(epsilon)
    for i in w.indices {
      let g = gradient[i]
      let s = state[i] + g * g
      state[i] = s
      w[i] -= eta * (g / (s.squareRoot() + eps))
    }
  }
}

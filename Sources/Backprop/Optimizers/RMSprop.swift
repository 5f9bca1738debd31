/// RMSprop (Hinton, 2012): gradient descent with each parameter's step divided by the root of a running mean of its
/// squared gradient; by the rule of PyTorch's `torch.optim.RMSprop` (not centered), optionally with momentum.
///
/// With g = ∂C/∂w and v, the running mean of g², starting at 0:
///
///     v := α·v + (1 − α)·g²
///     w := w − η·g / (√v + ε)                     (μ = 0, the default)
///
///     b := μ·b + g / (√v + ε)                     (with momentum μ > 0, b starting at 0)
///     w := w − η·b
///
/// A gradient that is large everywhere takes steps of about η·g/|g| = ±η/√(1 − α) at first and ±η once v has
/// caught up; one that is small or rare takes larger steps than plain gradient descent would. v and b are stored as 0
/// once below the smallest normal number (see `flushedToZero`).
public struct RMSprop: Optimizer, Codable, Equatable {
  /// η.
  public var learningRate: Double
  /// α, the decay of the squared gradient's running mean.
  public var alpha: Double
  /// ε, added to the denominator.
  public var epsilon: Double
  /// μ, the momentum of the scaled step; 0 for none.
  public var momentum: Double

  /// PyTorch's defaults: η = 0.01, α = 0.99, ε = 1e-8, μ = 0.
  ///
  /// - Throws: `BackpropError.invalidArgument` unless η and ε are finite and greater than 0 and α and μ are in
  ///   [0, 1).
  public init(learningRate: Double = 1e-2, alpha: Double = 0.99, epsilon: Double = 1e-8, momentum: Double = 0) throws {
    try Hyperparameter.positive(learningRate, "learning rate")
    try Hyperparameter.fraction(alpha, "alpha")
    try Hyperparameter.positive(epsilon, "epsilon")
    try Hyperparameter.fraction(momentum, "momentum")
    self.learningRate = learningRate
    self.alpha = alpha
    self.epsilon = epsilon
    self.momentum = momentum
  }

  /// `["v"]`, and `["v", "velocity"]` with momentum (b, as ``GradientDescent`` names its own).
  public var stateNames: [String] { momentum == 0 ? Self.plain : Self.withMomentum }
  private static let plain = ["v"]
  private static let withMomentum = ["v", "velocity"]

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func update<Scalar: BackpropScalar>(_ tensors: UnsafeBufferPointer<ParameterTensor<Scalar>>, step: Int) {
    for tensor in tensors { update(tensor, step: step) }
  }

  /// The rule on one tensor.
  @inline(__always)
  private func update<Scalar: BackpropScalar>(_ tensor: ParameterTensor<Scalar>, step: Int) {
    let (w, gradient, state) = (tensor.w, tensor.gradient, tensor.state)
    let n = w.count
    let a = Scalar(alpha), eta = Scalar(learningRate), eps = Scalar(epsilon), mu = Scalar(momentum)
    for i in 0..<n {
      let g = gradient[i]
      let v = flushedToZero(a * state[i] + (1 - a) * (g * g))
      state[i] = v
      let scaled = g / (v.squareRoot() + eps)
      if momentum == 0 {
        w[i] -= eta * scaled
      } else {
        let b = flushedToZero(mu * state[n + i] + scaled)
        state[n + i] = b
        w[i] -= eta * b
      }
    }
  }
}

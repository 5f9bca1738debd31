/// AdamW (Loshchilov and Hutter, 2019): ``Adam`` with decoupled weight decay, by the rule of PyTorch's
/// `torch.optim.AdamW`.
///
/// With g = ∂C/∂w, t the step number (from 1) and λ the weight decay, each step first shrinks the weights and then
/// takes Adam's step:
///
///     w := w − η·λ·w                              (as w := (1 − η·λ)·w, PyTorch's `param.mul_(1 - lr * wd)`)
///     m := β1·m + (1 − β1)·g          v := β2·v + (1 − β2)·g²
///     w := w − (η / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
///
/// The decay is not part of the gradient (as an L2 term λ/2·‖w‖² in C would be), so it does not pass through Adam's
/// per-parameter scaling: every weight shrinks by the same factor 1 − η·λ. With λ = 0 this is Adam, bit for bit.
public struct AdamW: Optimizer, Codable, Equatable {
  /// η.
  public var learningRate: Double
  /// β1, the decay of the gradient's running average.
  public var beta1: Double
  /// β2, the decay of the squared gradient's running average.
  public var beta2: Double
  /// ε, added to the denominator.
  public var epsilon: Double
  /// λ, the share of each weight taken off per unit of η.
  public var weightDecay: Double

  /// PyTorch's defaults: η = 0.001, β1 = 0.9, β2 = 0.999, ε = 1e-8, λ = 0.01.
  ///
  /// - Throws: `BackpropError.invalidArgument` for what ``Adam`` rejects, or unless λ is finite and ≥ 0.
  public init(
    learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
    weightDecay: Double = 1e-2
  ) throws {
    _ = try Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon)
    try Hyperparameter.nonNegative(weightDecay, "weight decay")
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
  }

  /// m and v, ``Adam``'s slots.
  public var stateNames: [String] { Adam.slots }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func update<Scalar: BackpropScalar>(_ tensors: UnsafeBufferPointer<ParameterTensor<Scalar>>, step: Int) {
    for tensor in tensors { update(tensor, step: step) }
  }

  /// The rule on one tensor.
  @inline(__always)
  private func update<Scalar: BackpropScalar>(_ tensor: ParameterTensor<Scalar>, step: Int) {
    let (w, gradient, state) = (tensor.w, tensor.gradient, tensor.state)
    if weightDecay != 0 {
      let keep = Scalar(1 - learningRate * weightDecay)
      for i in w.indices { w[i] *= keep }
    }
    Adam.step(w, gradient: gradient, state: state, t: step, learningRate: learningRate, beta1: beta1, beta2: beta2,
              epsilon: epsilon)
  }
}

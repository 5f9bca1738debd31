/// Resilient backpropagation, iRPROP− (Riedmiller and Braun, 1993; Igel and Hüsken, 2000), by the rule of
/// PyTorch's `torch.optim.Rprop`: each parameter has its own step size Δ, which grows while the sign of its
/// gradient holds and shrinks when the sign flips. Only the gradient's sign is used, never its size.
///
/// With g = ∂C/∂w, g′ the gradient kept from the previous step (0 at first) and Δ starting at η:
///
///     if g′·g > 0:  Δ := min(Δ·η₊, Δmax)
///     if g′·g < 0:  Δ := max(Δ·η₋, Δmin),  g := 0      (no move this step, and none remembered)
///     otherwise:    Δ stays
///     w := w − Δ·sign(g)
///     g′ := g
///
/// with η₊ = 1.2, η₋ = 0.5 and Δ in [1e-6, 50] by default. After a flip the stored g′ is 0, so the next step
/// neither grows nor shrinks Δ: the "−" of iRPROP−.
///
/// Rprop is a full-batch method: the sign of a mini-batch's gradient is noise, and a step size that adapts to noise
/// does not settle. Train with a batch as large as the data set. The learning rate η is only Δ's initial value (as
/// PyTorch's `lr`); changing it later has no effect.
///
/// State: `previous_gradient` (g′) and `step_size` (Δ). The trainer's slots start at 0, and a step size is never
/// 0 once set (it stays ≥ Δmin > 0), so a Δ of 0 marks a parameter not yet stepped: it starts at η, clamped to
/// [Δmin, Δmax], as PyTorch's first step clamps it.
public struct Rprop: Optimizer, Codable, Equatable {
  /// η, the initial step size Δ.
  public var learningRate: Double
  /// η₊ > 1, the factor a step size grows by while the gradient's sign holds.
  public var increase: Double
  /// η₋ in (0, 1), the factor a step size shrinks by when the gradient's sign flips.
  public var decrease: Double
  /// Δmin > 0, the smallest step size.
  public var minimumStep: Double
  /// Δmax ≥ Δmin, the largest step size.
  public var maximumStep: Double

  /// PyTorch's defaults: η = 0.01, η₊ = 1.2, η₋ = 0.5, Δ in [1e-6, 50].
  ///
  /// - Throws: `BackpropError.invalidArgument` unless η > 0, 0 < η₋ < 1 < η₊ and 0 < Δmin ≤ Δmax, all finite.
  public init(
    learningRate: Double = 1e-2, increase: Double = 1.2, decrease: Double = 0.5, minimumStep: Double = 1e-6,
    maximumStep: Double = 50
  ) throws {
    try Hyperparameter.positive(learningRate, "learning rate")
    guard increase.isFinite, increase > 1 else {
      throw BackpropError.invalidArgument(name: "increase η₊", value: "\(increase)", expected: "a finite number greater than 1")
    }
    guard decrease > 0, decrease < 1 else {
      throw BackpropError.invalidArgument(name: "decrease η₋", value: "\(decrease)", expected: "a number in (0, 1)")
    }
    try Hyperparameter.positive(minimumStep, "minimum step")
    guard maximumStep.isFinite, maximumStep >= minimumStep else {
      throw BackpropError.invalidArgument(
        name: "maximum step", value: "\(maximumStep)", expected: "a finite number ≥ the minimum step \(minimumStep)")
    }
    self.learningRate = learningRate
    self.increase = increase
    self.decrease = decrease
    self.minimumStep = minimumStep
    self.maximumStep = maximumStep
  }

  /// g′ and Δ.
  public var stateNames: [String] { Self.slots }
  private static let slots = ["previous_gradient", "step_size"]

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
    let up = Scalar(increase), down = Scalar(decrease)
    // Never 0, even where Δmin is below Float's range: 0 marks a step size not yet set.
    let smallest = Swift.max(Scalar(minimumStep), .leastNonzeroMagnitude)
    let largest = Swift.max(Scalar(maximumStep), smallest)
    let initial = Swift.min(Swift.max(Scalar(learningRate), smallest), largest)
    for i in 0..<n {
      var g = gradient[i]
      var size = state[n + i] == 0 ? initial : state[n + i]
      let agreement = state[i] * g
      if agreement > 0 {
        size = Swift.min(size * up, largest)
      } else if agreement < 0 {
        size = Swift.max(size * down, smallest)
        g = 0
      }
      if g > 0 {
        w[i] -= size
      } else if g < 0 {
        w[i] += size
      }
      state[i] = g
      state[n + i] = size
    }
  }
}

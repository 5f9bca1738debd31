import CBackpropKernels

/// Gradient descent, w := w − η·∂C/∂w (seed 001), on whatever batch the trainer hands it: the full data set or a
/// mini-batch; optionally with momentum, by the rule of PyTorch's `torch.optim.SGD` (no dampening).
///
/// With g = ∂C/∂w and a velocity v per parameter that starts at 0:
///
///     v := μ·v + g
///     w := w − η·v                 (momentum)
///     w := w − η·(g + μ·v)         (Nesterov momentum, with the v just computed)
///
/// so the first step has v = g, as PyTorch's first step does. With μ = 0, the default, no velocity is kept
/// (``stateNames`` is empty) and the step is plain w := w − η·g. A velocity below the smallest normal number is stored
/// as 0 (see `flushedToZero`).
public struct GradientDescent: Optimizer, Codable, Equatable {
  /// η, the learning rate.
  public var learningRate: Double
  /// μ, the share of the previous velocity each step keeps; 0 for plain gradient descent.
  public var momentum: Double
  /// Whether the step is taken along g + μ·v (Nesterov) rather than v.
  public var nesterov: Bool

  /// - Throws: `BackpropError.invalidArgument` unless η is finite and positive and 0 ≤ μ < 1, and unless μ > 0
  ///   when `nesterov` is set (as PyTorch requires).
  public init(learningRate: Double, momentum: Double = 0, nesterov: Bool = false) throws {
    guard learningRate.isFinite, learningRate > 0 else {
      throw BackpropError.invalidArgument(
        name: "learning rate", value: "\(learningRate)", expected: "a finite number greater than 0")
    }
    guard momentum >= 0, momentum < 1 else {
      throw BackpropError.invalidArgument(name: "momentum", value: "\(momentum)", expected: "a number in [0, 1)")
    }
    guard !nesterov || momentum > 0 else {
      throw BackpropError.invalidArgument(
        name: "momentum", value: "0", expected: "a momentum greater than 0 for Nesterov momentum")
    }
    self.learningRate = learningRate
    self.momentum = momentum
    self.nesterov = nesterov
  }

  private enum CodingKeys: String, CodingKey {
    case learningRate, momentum, nesterov
  }

  /// Reads `learningRate`, and `momentum` and `nesterov` when present (values written before they existed have
  /// neither), checked as ``init(learningRate:momentum:nesterov:)`` checks them.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    try self.init(
      learningRate: container.decode(Double.self, forKey: .learningRate),
      momentum: container.decodeIfPresent(Double.self, forKey: .momentum) ?? 0,
      nesterov: container.decodeIfPresent(Bool.self, forKey: .nesterov) ?? false)
  }

  /// `[]` without momentum, `["velocity"]` with it.
  public var stateNames: [String] { momentum == 0 ? [] : Self.velocity }
  /// One array made once: the trainer asks at every step.
  private static let velocity = ["velocity"]

  /// The update in C (CBackpropKernels/optimizers.c) for `Float`, and for plain gradient descent in `Double`.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func update<Scalar: BackpropScalar>(_ tensors: UnsafeBufferPointer<ParameterTensor<Scalar>>, step: Int) {
    for tensor in tensors { update(tensor) }
  }

  /// The rule on one tensor.
  @inline(__always)
  private func update<Scalar: BackpropScalar>(_ tensor: ParameterTensor<Scalar>) {
    let (w, gradient, state) = (tensor.w, tensor.gradient, tensor.state)
    guard let base = w.baseAddress, let g = gradient.baseAddress else { return }
    if Scalar.self == Float.self {
      // Vectorized and split over the threads like Adam's.
      let g = UnsafeRawPointer(g).assumingMemoryBound(to: Float.self)
      if momentum == 0 {
        bp_sgd_update(w.count, floats(base), g, Float(learningRate))
      } else {
        bp_sgd_momentum_update(
          w.count, floats(base), g, floats(state.baseAddress!), Float(learningRate), Float(momentum), nesterov ? 1 : 0)
      }
    } else if Scalar.self == Double.self, momentum == 0 {
      bp_dsgd_update(
        w.count, UnsafeMutableRawPointer(base).assumingMemoryBound(to: Double.self),
        UnsafeRawPointer(g).assumingMemoryBound(to: Double.self), learningRate)
    } else {
      descendInSwift(w, gradient: gradient, state: state)
    }
  }

  /// The rule in Swift: `Double` with momentum, and any other scalar type.
  @_specialize(where Scalar == Double)
  @inline(never)
  private func descendInSwift<Scalar: BackpropScalar>(
    _ w: UnsafeMutableBufferPointer<Scalar>, gradient: UnsafeBufferPointer<Scalar>,
    state: UnsafeMutableBufferPointer<Scalar>
  ) {
    let eta = Scalar(learningRate)
    guard momentum != 0 else {
      for i in w.indices { w[i] -= eta * gradient[i] }
      return
    }
    let mu = Scalar(momentum)
    for i in w.indices {
      let v = flushedToZero(mu * state[i] + gradient[i])
      state[i] = v
      w[i] -= nesterov ? eta * (gradient[i] + mu * v) : eta * v
    }
  }
}

import CBackpropKernels

/// Adam (Kingma and Ba, 2015): gradient descent with per-parameter step sizes from running averages of the
/// gradient and of its square, with bias correction.
///
/// With g = ∂C/∂w and t the step number (from 1):
///
///     m ← β1·m + (1 − β1)·g          v ← β2·v + (1 − β2)·g²
///     w ← w − (η / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
///
/// which is m̂ / (√v̂ + ε) with m̂ = m/(1 − β1ᵗ) and v̂ = v/(1 − β2ᵗ), grouped as PyTorch's `torch.optim.Adam`
/// groups it, so results agree with PyTorch to rounding. m and v are stored as 0 once below the smallest normal number
/// (see `flushedToZero`), which keeps a long run from slowing down on subnormal arithmetic.
public struct Adam: Optimizer, Codable, Equatable {
  /// η.
  public var learningRate: Double
  /// β1, the decay of the gradient's running average.
  public var beta1: Double
  /// β2, the decay of the squared gradient's running average.
  public var beta2: Double
  /// ε, added to the denominator.
  public var epsilon: Double

  /// - Throws: `BackpropError.invalidArgument` unless η > 0, 0 ≤ β1, β2 < 1 and ε ≥ 0, all finite.
  public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) throws {
    guard learningRate.isFinite, learningRate > 0 else {
      throw BackpropError.invalidArgument(name: "learning rate", value: "\(learningRate)", expected: "a finite number greater than 0")
    }
    for (name, beta) in [("beta1", beta1), ("beta2", beta2)] where !(beta >= 0 && beta < 1) {
      throw BackpropError.invalidArgument(name: name, value: "\(beta)", expected: "a number in [0, 1)")
    }
    guard epsilon.isFinite, epsilon >= 0 else {
      throw BackpropError.invalidArgument(name: "epsilon", value: "\(epsilon)", expected: "a finite number ≥ 0")
    }
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
  }

  /// m and v. (One array made once: the trainer asks at every step, and a literal here would be a new array each
  /// time in an unoptimized build.)
  public var stateNames: [String] { Self.slots }
  static let slots = ["m", "v"]

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func update<Scalar: BackpropScalar>(_ tensors: UnsafeBufferPointer<ParameterTensor<Scalar>>, step: Int) {
    for tensor in tensors { update(tensor, step: step) }
  }

  /// The rule on one tensor.
  @inline(__always)
  private func update<Scalar: BackpropScalar>(_ tensor: ParameterTensor<Scalar>, step: Int) {
    let (w, gradient, state) = (tensor.w, tensor.gradient, tensor.state)
    Self.step(w, gradient: gradient, state: state, t: step, learningRate: learningRate, beta1: beta1, beta2: beta2,
              epsilon: epsilon)
  }

  /// The update on the slots m and v, back to back in `state`; shared with ``AdamW``.
  @inline(__always)
  static func step<Scalar: BackpropScalar>(
    _ w: UnsafeMutableBufferPointer<Scalar>, gradient: UnsafeBufferPointer<Scalar>,
    state: UnsafeMutableBufferPointer<Scalar>, t step: Int,
    learningRate: Double, beta1: Double, beta2: Double, epsilon: Double
  ) {
    let n = w.count
    guard n > 0, let mSlot = state.baseAddress else { return }
    let vSlot = mSlot + n
    let b1 = Scalar(beta1), b2 = Scalar(beta2), eps = Scalar(epsilon)
    let stepSize = Scalar(learningRate / (1 - power(beta1, step)))
    let correction2 = Scalar((1 - power(beta2, step)).squareRoot())
    if Scalar.self == Float.self {
      // The same loop in C (CBackpropKernels/optimizers.c), where it vectorizes whatever module calls it.
      bp_adam_update(
        n, floats(w.baseAddress!), UnsafeRawPointer(gradient.baseAddress!).assumingMemoryBound(to: Float.self),
        floats(mSlot), floats(vSlot), Float(beta1), Float(beta2), Float(epsilon),
        unsafeBitCast(stepSize, to: Float.self), unsafeBitCast(correction2, to: Float.self))
      return
    }
    for i in 0..<n {
      let g = gradient[i]
      let m = flushedToZero(b1 * mSlot[i] + (1 - b1) * g)
      let v = flushedToZero(b2 * vSlot[i] + (1 - b2) * g * g)
      mSlot[i] = m
      vSlot[i] = v
      w[i] -= stepSize * m / (v.squareRoot() / correction2 + eps)
    }
  }
}

/// A buffer of `Scalar` known to be `Float`, as the C kernels take it. (A function rather than a closure: a closure
/// in a generic function captures the generic context, which an unoptimized build allocates for each call.)
@inline(__always)
func floats<Scalar>(_ p: UnsafeMutablePointer<Scalar>) -> UnsafeMutablePointer<Float> {
  UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
}

/// xⁿ by repeated squaring: only IEEE multiplications, so the same bits on every platform (libm's `pow` may differ
/// in the last place between systems).
func power(_ x: Double, _ n: Int) -> Double {
  var result = 1.0, base = x, n = n
  while n > 0 {
    if n & 1 == 1 { result *= base }
    base *= base
    n >>= 1
  }
  return result
}

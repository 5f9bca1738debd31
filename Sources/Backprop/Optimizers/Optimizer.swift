/// An update rule that turns a gradient into a step on the parameters.
///
/// A rule is a value holding its hyperparameters; the state it needs between steps (momentum, running averages)
/// lives apart from it, in named slots that start at zero, so it can be saved with a model and restored. The
/// ``Trainer`` owns that state and calls ``update(_:step:)`` once per step with every parameter tensor (W[1], b[1],
/// W[2], …): one call rather than one per tensor, because for a tiny network the call itself, through `any Optimizer`,
/// cost more than the arithmetic (a tenth of an XOR step).
///
/// To add a rule, add a struct in `Optimizers/` conforming to this protocol whose `update` runs its rule on each
/// tensor in turn, and pre-specialize it for `Float` and `Double` with `@_specialize(where Scalar == Float)` (and
/// `Double`) so it runs concrete code.
public protocol Optimizer: Sendable {
  /// The names of the state slots, each as large as the parameter tensor: `[]` for plain gradient descent,
  /// `["velocity"]` for momentum, `["m", "v"]` for Adam.
  var stateNames: [String] { get }

  /// One step t on every tensor in `tensors`, in place.
  ///
  /// - Parameters:
  ///   - tensors: the parameter tensors, each with its gradient and state (``ParameterTensor``).
  ///   - step: t, the number of this step, starting at 1.
  func update<Scalar: BackpropScalar>(_ tensors: UnsafeBufferPointer<ParameterTensor<Scalar>>, step: Int)
}

/// One parameter tensor as an ``Optimizer`` updates it: its values w, the gradient ∂C/∂w and the rule's state.
public struct ParameterTensor<Scalar: BackpropScalar> {
  /// The parameters, updated in place.
  public var w: UnsafeMutableBufferPointer<Scalar>
  /// ∂C/∂w, as many elements as `w`.
  public var gradient: UnsafeBufferPointer<Scalar>
  /// The rule's `stateNames.count` slots of `w.count` elements, back to back; all zero before the first step.
  public var state: UnsafeMutableBufferPointer<Scalar>

  public init(
    w: UnsafeMutableBufferPointer<Scalar>, gradient: UnsafeBufferPointer<Scalar>, state: UnsafeMutableBufferPointer<Scalar>
  ) {
    self.w = w
    self.gradient = gradient
    self.state = state
  }
}

extension Optimizer {
  /// One step t on a single tensor `w`, with its gradient and its state slots: ``update(_:step:)`` with that tensor
  /// alone.
  public func update<Scalar: BackpropScalar>(
    _ w: UnsafeMutableBufferPointer<Scalar>, gradient: UnsafeBufferPointer<Scalar>,
    state: UnsafeMutableBufferPointer<Scalar>, step: Int
  ) {
    let tensor = ParameterTensor(w: w, gradient: gradient, state: state)
    withUnsafePointer(to: tensor) { update(UnsafeBufferPointer(start: $0, count: 1), step: step) }
  }
}

/// A running average (Adam's m and v, a momentum's velocity, RMSprop's v and b) as every rule stores it: 0 once its
/// magnitude falls below the smallest normal number (`Float`: ~1.2e-38), NaN and infinities kept.
///
/// Where a gradient stops (a pixel that is always 0, a dead ReLU unit), its averages decay geometrically (m ← β1·m)
/// into the subnormal range, and on Intel CPUs every multiply that reads or yields a subnormal takes a microcode
/// assist: Adam on MNIST slowed from 1.6 to 2.4 s per epoch over four epochs (docs/performance.md). Stored as 0, the
/// average stays 0 with no subnormal arithmetic. A weight's update is unchanged unless the weight itself is below
/// ~1e-30: a subnormal average moves it by less than its last place. The C kernels apply the same rule.
@inline(__always)
func flushedToZero<Scalar: BinaryFloatingPoint>(_ average: Scalar) -> Scalar {
  abs(average) < Scalar.leastNormalMagnitude ? 0 : average
}

/// The checks the rules' initializers make on their hyperparameters, each throwing
/// `BackpropError.invalidArgument` with the name and the value.
enum Hyperparameter {
  /// A finite number greater than 0 (a learning rate, ε).
  static func positive(_ value: Double, _ name: String) throws {
    guard value.isFinite, value > 0 else {
      throw BackpropError.invalidArgument(name: name, value: "\(value)", expected: "a finite number greater than 0")
    }
  }

  /// A finite number ≥ 0 (a weight decay).
  static func nonNegative(_ value: Double, _ name: String) throws {
    guard value.isFinite, value >= 0 else {
      throw BackpropError.invalidArgument(name: name, value: "\(value)", expected: "a finite number ≥ 0")
    }
  }

  /// A number in [0, 1) (a decay rate, a momentum).
  static func fraction(_ value: Double, _ name: String) throws {
    guard value >= 0, value < 1 else {
      throw BackpropError.invalidArgument(name: name, value: "\(value)", expected: "a number in [0, 1)")
    }
  }
}

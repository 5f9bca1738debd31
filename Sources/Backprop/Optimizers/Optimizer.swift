/// An update rule that turns a gradient into a step on the parameters, one parameter tensor at a time.
///
/// A rule is a value holding its hyperparameters; the state it needs between steps (momentum, running averages)
/// lives apart from it, in named slots that start at zero, so it can be saved with a model and restored. The
/// ``Trainer`` owns that state and calls ``update(_:gradient:state:step:)`` once per tensor (W[1], b[1], W[2], …)
/// per step.
///
/// To add a rule, add a struct in `Optimizers/` conforming to this protocol, and pre-specialize its `update` for
/// `Float` and `Double` with `@_specialize(where Scalar == Float)` (and `Double`) so it runs concrete code.
public protocol Optimizer: Sendable {
  /// The names of the state slots, each as large as the parameter tensor: `[]` for plain gradient descent,
  /// `["velocity"]` for momentum, `["m", "v"]` for Adam.
  var stateNames: [String] { get }

  /// One step on the parameter tensor `w`, in place.
  ///
  /// - Parameters:
  ///   - w: the parameters, updated in place.
  ///   - gradient: ∂C/∂w, as many elements as `w`.
  ///   - state: `stateNames.count` slots of `w.count` elements, back to back; all zero before the first step.
  ///   - step: t, the number of this step, starting at 1.
  func update<Scalar: BackpropScalar>(
    _ w: UnsafeMutableBufferPointer<Scalar>, gradient: UnsafeBufferPointer<Scalar>,
    state: UnsafeMutableBufferPointer<Scalar>, step: Int)
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

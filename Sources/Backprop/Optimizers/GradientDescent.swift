import CBackpropKernels

/// Plain gradient descent, w := w − η·∂C/∂w (seed 001), on whatever batch the trainer hands it: the full data set
/// or a mini-batch.
public struct GradientDescent: Optimizer, Codable, Equatable {
  /// η, the learning rate.
  public var learningRate: Double

  /// - Throws: `BackpropError.invalidArgument` unless η is finite and positive.
  public init(learningRate: Double) throws {
    guard learningRate.isFinite, learningRate > 0 else {
      throw BackpropError.invalidArgument(
        name: "learning rate", value: "\(learningRate)", expected: "a finite number greater than 0")
    }
    self.learningRate = learningRate
  }

  public var stateNames: [String] { [] }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func update<Scalar: BackpropScalar>(
    _ w: UnsafeMutableBufferPointer<Scalar>, gradient: UnsafeBufferPointer<Scalar>,
    state: UnsafeMutableBufferPointer<Scalar>, step: Int
  ) {
    let eta = Scalar(learningRate)
    if Scalar.self == Float.self, let base = w.baseAddress {
      bp_sgd_update(
        w.count, UnsafeMutableRawPointer(base).assumingMemoryBound(to: Float.self),
        UnsafeRawPointer(gradient.baseAddress!).assumingMemoryBound(to: Float.self), Float(learningRate))
      return
    }
    for i in w.indices { w[i] -= eta * gradient[i] }
  }
}

/// What a training step adds to the plain cost to keep the network from overfitting: an L2 penalty on the weights,
/// and dropout on the hidden layers.
///
/// - **L2** (λ ≥ 0): the cost becomes C + (λ/2)·Σ_l ‖W[l]‖² (the squared Frobenius norms of the weights; biases
///   are not penalized), added once per batch to the batch's mean cost, so each step's gradient gets
///   dW[l] += λ·W[l]. With plain SGD this is PyTorch's `weight_decay = λ` (Keras' `l2(λ)` penalizes λ·Σ‖W‖²,
///   without the ½, so its λ is half of this one).
/// - **Dropout** (rate p in [0, 1)): in training steps, every hidden unit of every sample is dropped with
///   probability p and the kept ones are scaled by 1/(1 − p) ("inverted" dropout, Srivastava et al., 2014), so the
///   expected activation is unchanged and evaluation and prediction run the network as it is. The output layer is
///   never dropped. The masks come from the run's ``SeededGenerator`` (docs/randomness.md), and the backward pass
///   multiplies by the same mask.
public struct Regularization: Sendable, Equatable, Hashable {
  /// λ of the L2 penalty (λ/2)·Σ‖W‖²; 0 for none.
  public let l2: Double
  /// p, the probability of dropping a hidden unit in a training step; 0 for none.
  public let dropout: Double

  /// No penalty and no dropout: the plain cost.
  public static let none = Regularization(unchecked: 0, dropout: 0)

  /// - Throws: `BackpropError.invalidArgument` unless λ is finite and ≥ 0 and p is in [0, 1).
  public init(l2: Double = 0, dropout: Double = 0) throws {
    guard l2.isFinite, l2 >= 0 else {
      throw BackpropError.invalidArgument(name: "L2 penalty λ", value: "\(l2)", expected: "a finite number, 0 or more")
    }
    guard dropout >= 0, dropout < 1 else {
      throw BackpropError.invalidArgument(name: "dropout rate", value: "\(dropout)", expected: "a probability in [0, 1)")
    }
    self.init(unchecked: l2, dropout: dropout)
  }

  private init(unchecked l2: Double, dropout: Double) {
    self.l2 = l2
    self.dropout = dropout
  }
}

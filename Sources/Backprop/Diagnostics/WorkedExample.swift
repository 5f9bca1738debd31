/// A seed's worked example, number by number: every a, z, δ and partial derivative under the seed's own name,
/// with the equation it instantiates and the numbers substituted into it.
///
/// The values come from the library's general matrix backpropagation (`Network.trace`), and each partial
/// derivative carries its finite-difference estimate beside it, so a learner can see that the seed's scalar
/// equations, the matrix code and plain numerical differentiation all agree.
public struct WorkedExample: Sendable {
  /// What a quantity is, which is also the group it is listed under in JSON.
  public enum Kind: String, Sendable, CaseIterable {
    case input = "inputs", weight = "weights", target = "targets"
    case preactivation = "preactivations", activation = "activations", loss
    case derivative = "derivatives", delta = "deltas", gradient = "gradients"
    case step = "steps", updatedWeight = "updated_weights"
  }

  /// One named number of the walk-through.
  public struct Quantity: Sendable {
    public var kind: Kind
    /// The key under which scripts find it: `z2`, `delta3`, `theta1`, `w5`, …
    public var key: String
    /// The seed's symbol, e.g. `z⁽²⁾` or `∂E/∂w5`.
    public var symbol: String
    /// The equation in symbols, e.g. `θ⁽¹⁾·a⁽¹⁾`; empty for given values.
    public var formula: String
    /// The equation with the numbers put in.
    public var substituted: String
    /// Where the seed writes it, e.g. `eq. 6`.
    public var source: String
    public var value: Double
    /// For partial derivatives: the central-difference estimate of the same number.
    public var finiteDifference: Double?
  }

  /// E.g. "Seed 000: the single-path network".
  public var title: String
  /// Notes a learner should know (the seed's typo, the index shift).
  public var notes: [String]
  /// η of the gradient-descent step shown at the end; nil when none is shown.
  public var learningRate: Double?
  public var quantities: [Quantity]

  /// The cost (J or E).
  public var loss: Double { quantities.first { $0.kind == .loss }!.value }

  /// The values of one kind, by key, in the order they were computed.
  public func values(_ kind: Kind) -> [(key: String, value: Double)] {
    quantities.filter { $0.kind == kind }.map { ($0.key, $0.value) }
  }

  /// The value under `key` (e.g. `"delta3"`), if there is one.
  public func value(_ key: String) -> Double? { quantities.first { $0.key == key }?.value }
}

extension WorkedExample {
  /// f′ as the walk-throughs write it, from the unit's a and z symbols (seed 001's a·(1 − a) for the sigmoid);
  /// empty for softmax, which has no per-unit derivative.
  static func derivativeFormula(_ activation: Activation, a: String, z: String) -> String {
    switch activation {
    case .sigmoid: return "\(a)·(1 − \(a))"
    case .tanh: return "1 − \(a)²"
    case .linear: return "1"
    case .relu: return "1 if \(z) > 0, else 0"
    case .leakyReLU: return "1 if \(z) > 0, else 0.01"
    case .elu: return "1 if \(z) > 0, else \(a) + 1"
    case .gelu: return "Φ(\(z)) + \(z)·φ(\(z))"
    case .softplus: return "σ(\(z))"
    case .softmax: return ""
    }
  }
}

/// A number as the walk-throughs print it inside formulas: the shortest form that reads back the same.
func formatted(_ x: Double) -> String {
  x.sign == .minus ? "(\(x))" : "\(x)"   // −0.0 too, which a ReLU's δ can be
}

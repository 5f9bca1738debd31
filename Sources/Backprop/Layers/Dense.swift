/// A fully connected layer: Z = W·A_prev + b, A = g(Z).
///
/// W has shape (outputs, inputs), so W[j][k] joins unit k of the previous layer to unit j of this one, and
/// b has one entry per output. A batch of m samples passes as columns: A_prev is inputs × m, Z and A are
/// outputs × m, and b is added to every column.
///
/// ```swift
/// var generator = SeededGenerator(seed: 1)
/// let hidden = try Dense<Float>(inputs: 784, outputs: 128, activation: .relu, using: &generator)
/// ```
public struct Dense<Scalar: BackpropScalar>: Sendable, Equatable {
  /// W, outputs × inputs.
  public internal(set) var weights: Matrix<Scalar>
  /// b, one per output; empty for a layer built without biases (as in seeds 000 and 001).
  public internal(set) var biases: [Scalar]
  /// g.
  public let activation: Activation

  /// n[l−1], the number of inputs.
  public var inputs: Int { weights.columns }
  /// n[l], the number of outputs.
  public var outputs: Int { weights.rows }
  /// Whether the layer adds a bias b.
  public var hasBiases: Bool { !biases.isEmpty }

  /// A layer with the given weights and biases.
  ///
  /// - Throws: `BackpropError.shapeMismatch` if `biases` does not have one entry per row of `weights`, or
  ///   `BackpropError.notFinite` for a NaN or infinite parameter.
  public init(weights: Matrix<Scalar>, biases: [Scalar], activation: Activation) throws {
    guard weights.rows > 0, weights.columns > 0 else {
      throw BackpropError.shapeMismatch(context: "Dense(weights:)", expected: "at least 1×1", found: "\(weights.shape)")
    }
    guard biases.count == weights.rows else {
      throw BackpropError.shapeMismatch(
        context: "Dense(weights:biases:)", expected: "\(weights.rows) biases for W of shape \(weights.shape)",
        found: "\(biases.count)")
    }
    try weights.checkFinite(name: "weights")
    try Matrix(column: biases).checkFinite(name: "biases")
    self.weights = weights
    self.biases = biases
    self.activation = activation
  }

  /// A layer without biases: Z = W·A_prev, as in the seeds' worked examples.
  public init(weights: Matrix<Scalar>, activation: Activation) throws {
    guard weights.rows > 0, weights.columns > 0 else {
      throw BackpropError.shapeMismatch(context: "Dense(weights:)", expected: "at least 1×1", found: "\(weights.shape)")
    }
    try weights.checkFinite(name: "weights")
    self.weights = weights
    self.biases = []
    self.activation = activation
  }

  /// A layer with random initial parameters drawn by `initializer` from `generator`.
  ///
  /// - Throws: `BackpropError.invalidArgument` when `inputs` or `outputs` is not positive.
  public init(
    inputs: Int, outputs: Int, activation: Activation, initializer: Initializer = .uniformFanIn,
    biases: Bool = true, using generator: inout SeededGenerator
  ) throws {
    guard inputs > 0 else { throw BackpropError.invalidArgument(name: "inputs", value: "\(inputs)", expected: "at least 1") }
    guard outputs > 0 else { throw BackpropError.invalidArgument(name: "outputs", value: "\(outputs)", expected: "at least 1") }
    (self.weights, self.biases) = initializer.draw(inputs: inputs, outputs: outputs, biases: biases, using: &generator)
    self.activation = activation
  }
}

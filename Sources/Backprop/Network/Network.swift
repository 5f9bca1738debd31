/// A feed-forward network: layers l = 1 … L, each Z[l] = W[l]·A[l−1] + b[l] and A[l] = g_l(Z[l]), and the cost C
/// that training minimizes.
///
/// A batch of m samples passes as columns: the inputs A[0] = X are n[0] × m and the outputs ŷ = A[L] are n[L] × m.
/// Every method here checks shapes and finiteness first and throws `BackpropError` naming what does not fit;
/// past that boundary nothing traps.
///
/// Arrays count from 0 and the seeds count layers from 1: `layers[0]` is layer 1.
///
/// ```swift
/// var generator = SeededGenerator(seed: 7)
/// let network = try Network<Double>(sizes: [2, 2, 2, 1], activations: [.sigmoid, .sigmoid, .sigmoid],
///                                   loss: .meanSquaredError, using: &generator)
/// let yHat = try network.predict(x)        // 1 × m
/// ```
public struct Network<Scalar: BackpropScalar>: Sendable, Equatable {
  /// The layers, input side first; `layers[0]` is the seeds' layer 1.
  public internal(set) var layers: [Dense<Scalar>]
  /// The cost C.
  public let loss: Loss

  /// A network of the given layers.
  ///
  /// - Throws: `BackpropError.shapeMismatch` naming the first layer whose inputs do not match the outputs of the
  ///   layer before it, and `BackpropError.invalidArgument` for an empty list.
  public init(layers: [Dense<Scalar>], loss: Loss) throws {
    guard !layers.isEmpty else {
      throw BackpropError.invalidArgument(name: "layers", value: "[]", expected: "at least one layer")
    }
    for l in layers.indices.dropFirst() where layers[l].inputs != layers[l - 1].outputs {
      throw BackpropError.shapeMismatch(
        context: "layer \(l + 1)",
        expected: "W with \(layers[l - 1].outputs) columns, the outputs of layer \(l)",
        found: "W of shape \(layers[l].weights.shape)")
    }
    self.layers = layers
    self.loss = loss
  }

  /// A network with layer sizes n[0], n[1], …, n[L] and random initial parameters.
  ///
  /// - Parameters:
  ///   - sizes: n[0] (the inputs) to n[L] (the outputs), e.g. `[784, 128, 10]`.
  ///   - activations: g for layers 1 … L, one per layer (so `sizes.count − 1` of them).
  ///   - biases: whether layers add a bias b (the seeds' worked examples have none).
  /// - Throws: `BackpropError.invalidArgument` when the counts do not fit or a size is not positive.
  public init(
    sizes: [Int], activations: [Activation], loss: Loss, initializer: Initializer = .uniformFanIn,
    biases: Bool = true, using generator: inout SeededGenerator
  ) throws {
    try self.init(
      sizes: sizes, activations: activations, loss: loss, initializers: [initializer], biases: biases, using: &generator)
  }

  /// A network with layer sizes n[0], n[1], …, n[L] and random initial parameters, each layer drawn by its own
  /// initializer: `initializers` holds one for every layer or one per layer (`sizes.count − 1` of them). Layers are
  /// drawn in order, layer 1 first, all from `generator`.
  ///
  /// - Throws: `BackpropError.invalidArgument` when the counts do not fit or a size is not positive.
  public init(
    sizes: [Int], activations: [Activation], loss: Loss, initializers: [Initializer], biases: Bool = true,
    using generator: inout SeededGenerator
  ) throws {
    guard sizes.count >= 2 else {
      throw BackpropError.invalidArgument(
        name: "sizes", value: "\(sizes)", expected: "at least two sizes: inputs and outputs")
    }
    guard activations.count == sizes.count - 1 else {
      throw BackpropError.invalidArgument(
        name: "activations", value: activations.map(\.rawValue).joined(separator: ","),
        expected: "\(sizes.count - 1) activations, one per layer of \(sizes.map(String.init).joined(separator: ","))")
    }
    guard initializers.count == 1 || initializers.count == sizes.count - 1 else {
      throw BackpropError.invalidArgument(
        name: "initializers", value: initializers.map(\.rawValue).joined(separator: ","),
        expected: "one initializer for every layer, or \(sizes.count - 1), one per layer")
    }
    var layers: [Dense<Scalar>] = []
    for l in activations.indices {
      layers.append(try Dense(
        inputs: sizes[l], outputs: sizes[l + 1], activation: activations[l],
        initializer: initializers[initializers.count == 1 ? 0 : l],
        biases: biases, using: &generator))
    }
    try self.init(layers: layers, loss: loss)
  }

  /// n[0], n[1], …, n[L].
  public var sizes: [Int] { [layers[0].inputs] + layers.map(\.outputs) }

  /// The number of trainable parameters, Σ (n[l]·n[l−1] + biases).
  public var parameterCount: Int { layers.reduce(0) { $0 + $1.weights.scalars.count + $1.biases.count } }

  // MARK: Public passes

  /// The outputs ŷ = A[L] for the inputs X (n[0] × m, one column per sample).
  ///
  /// - Throws: `BackpropError` if X does not have n[0] rows or holds a NaN or infinity.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func predict(_ inputs: Matrix<Scalar>) throws -> Matrix<Scalar> {
    try checkInputs(inputs)
    let workspace = Workspace<Scalar>(sizes: sizes, capacity: inputs.columns)
    workspace.load(inputs: inputs, targets: nil)
    withParameters(boundIn: workspace) { workspace.forward() }
    return workspace.copy(workspace.a[layers.count - 1], rows: layers[layers.count - 1].outputs)
  }

  /// The cost C of the network on inputs X (n[0] × m) and targets Y (n[L] × m): the mean over the samples, or
  /// with `sampleWeights` (one w_j ≥ 0 per sample) Σ w_j·C_j / Σ w_j, plus (λ/2)·Σ‖W[l]‖² for an L2 penalty λ.
  ///
  /// - Throws: `BackpropError` for shapes or values that do not fit, and for dropout, which needs the generator
  ///   of ``trace(inputs:targets:inputGradient:sampleWeights:regularization:using:)`` to draw its masks.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func cost(
    inputs: Matrix<Scalar>, targets: Matrix<Scalar>, sampleWeights: [Scalar]? = nil,
    regularization: Regularization = .none
  ) throws -> Scalar {
    let workspace = try load(inputs, targets, sampleWeights, regularization, masked: false)
    return withParameters(boundIn: workspace) {
      workspace.forward()
      return workspace.cost(l2: Scalar(regularization.l2))
    }
  }

  /// ∂C/∂W[l] and ∂C/∂b[l] for every layer, by one forward and one backward pass, of the cost as
  /// ``cost(inputs:targets:sampleWeights:regularization:)`` defines it.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func gradients(
    inputs: Matrix<Scalar>, targets: Matrix<Scalar>, sampleWeights: [Scalar]? = nil,
    regularization: Regularization = .none
  ) throws -> Gradients<Scalar> {
    try trace(inputs: inputs, targets: targets, sampleWeights: sampleWeights, regularization: regularization).gradients
  }

  /// Every quantity of one forward and backward pass: Z[l], A[l], δ[l], the cost and the gradients, and
  /// ∂C/∂X when `inputGradient` is true; with sample weights and an L2 penalty as in
  /// ``cost(inputs:targets:sampleWeights:regularization:)``, and no dropout.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func trace(
    inputs: Matrix<Scalar>, targets: Matrix<Scalar>, inputGradient: Bool = false, sampleWeights: [Scalar]? = nil,
    regularization: Regularization = .none
  ) throws -> Trace<Scalar> {
    try trace(load(inputs, targets, sampleWeights, regularization, masked: false), inputGradient, regularization)
  }

  /// ``trace(inputs:targets:inputGradient:sampleWeights:regularization:)`` as a training step runs it, with
  /// dropout: the hidden layers' masks are drawn from `generator` first (docs/randomness.md), so two calls from
  /// generators in the same state use the same masks, and the cost and gradients are those of the network with
  /// those units dropped. `Trace.dropoutMasks` holds the masks.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func trace(
    inputs: Matrix<Scalar>, targets: Matrix<Scalar>, inputGradient: Bool = false, sampleWeights: [Scalar]? = nil,
    regularization: Regularization, using generator: inout SeededGenerator
  ) throws -> Trace<Scalar> {
    let workspace = try load(inputs, targets, sampleWeights, regularization, masked: true)
    workspace.drawDropoutMasks(rate: regularization.dropout, using: &generator)
    return trace(workspace, inputGradient, regularization)
  }

  /// The forward and backward pass on the batch loaded in `workspace`, and what they computed.
  private func trace(_ workspace: Workspace<Scalar>, _ inputGradient: Bool, _ regularization: Regularization) -> Trace<Scalar> {
    let l2 = Scalar(regularization.l2)
    let cost = withParameters(boundIn: workspace) {
      workspace.forward()
      let cost = workspace.cost(l2: l2)
      workspace.backward(inputGradient: inputGradient, l2: l2)
      return cost
    }
    let rows = layers.map(\.outputs)
    return Trace(
      z: layers.indices.map { workspace.copy(workspace.z[$0], rows: rows[$0]) },
      a: layers.indices.map { workspace.copy(workspace.a[$0], rows: rows[$0]) },
      delta: layers.indices.map { workspace.copy(workspace.delta[$0], rows: rows[$0]) },
      cost: cost,
      gradients: workspace.gradients(of: self),
      inputGradient: inputGradient ? workspace.copy(workspace.inputGradient, rows: sizes[0]) : nil,
      dropoutMasks: workspace.isDropping
        ? workspace.masks.indices.map { workspace.copy(workspace.masks[$0], rows: rows[$0]) } : [])
  }

  /// A workspace holding the batch, after the checks; dropout is refused unless the caller draws masks (`masked`).
  private func load(
    _ inputs: Matrix<Scalar>, _ targets: Matrix<Scalar>, _ sampleWeights: [Scalar]?, _ regularization: Regularization,
    masked: Bool
  ) throws -> Workspace<Scalar> {
    try checkInputs(inputs, targets: targets, sampleWeights: sampleWeights)
    guard masked || regularization.dropout == 0 else {
      throw BackpropError.invalidArgument(
        name: "dropout", value: "\(regularization.dropout)",
        expected: "0 here: dropout draws its masks from a generator, so pass one (`using:`)")
    }
    let workspace = Workspace<Scalar>(sizes: sizes, capacity: inputs.columns)
    workspace.load(inputs: inputs, targets: targets, sampleWeights: sampleWeights)
    return workspace
  }

  // MARK: Checks at the boundary

  func checkInputs(_ inputs: Matrix<Scalar>, targets: Matrix<Scalar>? = nil, sampleWeights: [Scalar]? = nil) throws {
    let first = layers[0]
    guard inputs.rows == first.inputs, inputs.columns > 0 else {
      throw BackpropError.shapeMismatch(
        context: "layer 1, Z = W·A_prev with W of shape \(first.weights.shape)",
        expected: "inputs A_prev with \(first.inputs) rows and at least 1 column (one per sample)",
        found: "\(inputs.shape)")
    }
    try inputs.checkFinite(name: "inputs")
    if let sampleWeights, let problem = sampleWeightProblem(sampleWeights, count: inputs.columns, requirePositive: false) {
      throw BackpropError.invalidArgument(name: "sample weights", value: "\(sampleWeights.count) weights", expected: problem)
    }
    guard let targets else { return }
    let outputs = layers[layers.count - 1].outputs
    guard targets.rows == outputs, targets.columns == inputs.columns else {
      throw BackpropError.shapeMismatch(
        context: "layer \(layers.count) (output), cost C(A, Y)",
        expected: "targets Y of shape \(Shape(rows: outputs, columns: inputs.columns)) like A",
        found: "\(targets.shape)")
    }
    try targets.checkFinite(name: "targets")
  }
}

/// Everything one forward and backward pass computed, per layer, input side first (index 0 is layer 1).
public struct Trace<Scalar: BackpropScalar>: Sendable {
  /// Z[l] = W[l]·A[l−1] + b[l], n[l] × m.
  public var z: [Matrix<Scalar>]
  /// A[l] = g(Z[l]), n[l] × m; the last is the output ŷ.
  public var a: [Matrix<Scalar>]
  /// δ[l] = m·∂C/∂Z[l], the per-sample error signal, n[l] × m.
  public var delta: [Matrix<Scalar>]
  /// C.
  public var cost: Scalar
  /// ∂C/∂W[l] and ∂C/∂b[l].
  public var gradients: Gradients<Scalar>
  /// ∂C/∂X (n[0] × m), when asked for.
  public var inputGradient: Matrix<Scalar>?
  /// With dropout, the mask M[l] of each hidden layer (n[l] × m, entries 0 or 1/(1 − p)); the next layer read
  /// M[l] ∘ A[l]. Empty without dropout.
  public var dropoutMasks: [Matrix<Scalar>] = []
}

/// Everything that decides a training run, recorded in every checkpoint so a run can be resumed exactly.
public struct TrainingConfiguration: Codable, Sendable, Equatable {
  /// n[0], …, n[L].
  public var sizes: [Int]
  /// g for layers 1 … L.
  public var activations: [Activation]
  public var loss: Loss
  public var initializer: Initializer
  public var optimizer: OptimizerSettings
  /// m, the mini-batch size; the last batch of an epoch keeps the remainder.
  public var batchSize: Int
  /// The number of epochs the run is to reach.
  public var epochs: Int
  /// The seed of every random choice: initial weights, the validation split, the order of each epoch.
  public var seed: UInt64
  /// The fraction of the training samples held out for validation, in [0, 1).
  public var validationSplit: Double
  /// Whether features are standardized with statistics fitted on the training samples.
  public var standardize: Bool
  /// Where the training samples came from (a path), so a resumed run can find them again; informational.
  public var data: String?
  /// Where the test samples came from, if anywhere.
  public var test: String?

  public init(
    sizes: [Int], activations: [Activation], loss: Loss, initializer: Initializer = .uniformFanIn,
    optimizer: OptimizerSettings, batchSize: Int, epochs: Int, seed: UInt64, validationSplit: Double = 0,
    standardize: Bool = false, data: String? = nil, test: String? = nil
  ) {
    self.sizes = sizes
    self.activations = activations
    self.loss = loss
    self.initializer = initializer
    self.optimizer = optimizer
    self.batchSize = batchSize
    self.epochs = epochs
    self.seed = seed
    self.validationSplit = validationSplit
    self.standardize = standardize
    self.data = data
    self.test = test
  }

  /// Throws `BackpropError.invalidArgument` for a value out of range.
  public func validate() throws {
    guard batchSize > 0 else {
      throw BackpropError.invalidArgument(name: "batch size", value: "\(batchSize)", expected: "at least 1")
    }
    guard epochs >= 0 else {
      throw BackpropError.invalidArgument(name: "epochs", value: "\(epochs)", expected: "0 or more")
    }
    guard validationSplit >= 0, validationSplit < 1 else {
      throw BackpropError.invalidArgument(
        name: "validation split", value: "\(validationSplit)", expected: "a fraction in [0, 1)")
    }
    _ = try optimizer.make()
  }
}

/// Which update rule a run uses, with its hyperparameters, in a form that is saved by name.
public struct OptimizerSettings: Codable, Sendable, Equatable {
  /// The rules the command line and model files know.
  public enum Kind: String, Codable, Sendable, CaseIterable {
    /// ``GradientDescent``.
    case sgd
    /// ``Adam``.
    case adam
  }

  public var kind: Kind
  /// η.
  public var learningRate: Double
  /// Adam's β1, β2 and ε (ignored by SGD).
  public var beta1: Double = 0.9
  public var beta2: Double = 0.999
  public var epsilon: Double = 1e-8
  /// SGD's momentum μ and whether it is Nesterov's (``GradientDescent``); 0 and false for Adam.
  public var momentum: Double = 0
  public var nesterov = false

  public init(kind: Kind, learningRate: Double, momentum: Double = 0, nesterov: Bool = false) {
    self.kind = kind
    self.learningRate = learningRate
    self.momentum = momentum
    self.nesterov = nesterov
  }

  /// The rule, its hyperparameters checked.
  public func make() throws -> any Optimizer {
    switch kind {
    case .sgd:
      return try GradientDescent(learningRate: learningRate, momentum: momentum, nesterov: nesterov)
    case .adam:
      guard momentum == 0, !nesterov else {
        throw BackpropError.invalidArgument(
          name: "momentum", value: nesterov ? "Nesterov" : "\(momentum)", expected: "none for Adam (it is SGD's)")
      }
      return try Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon)
    }
  }

  private enum CodingKeys: String, CodingKey {
    case kind, learningRate, beta1, beta2, epsilon, momentum, nesterov
  }

  /// `momentum` and `nesterov` may be absent (files written before they existed); they read as 0 and false.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    kind = try container.decode(Kind.self, forKey: .kind)
    learningRate = try container.decode(Double.self, forKey: .learningRate)
    beta1 = try container.decode(Double.self, forKey: .beta1)
    beta2 = try container.decode(Double.self, forKey: .beta2)
    epsilon = try container.decode(Double.self, forKey: .epsilon)
    momentum = try container.decodeIfPresent(Double.self, forKey: .momentum) ?? 0
    nesterov = try container.decodeIfPresent(Bool.self, forKey: .nesterov) ?? false
  }

  /// `momentum` and `nesterov` are written only when set, so a run without momentum is described as before.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(kind, forKey: .kind)
    try container.encode(learningRate, forKey: .learningRate)
    try container.encode(beta1, forKey: .beta1)
    try container.encode(beta2, forKey: .beta2)
    try container.encode(epsilon, forKey: .epsilon)
    if momentum != 0 { try container.encode(momentum, forKey: .momentum) }
    if nesterov { try container.encode(nesterov, forKey: .nesterov) }
  }
}

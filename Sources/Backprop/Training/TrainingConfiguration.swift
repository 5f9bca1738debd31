/// Everything that decides a training run, recorded in every checkpoint so a run can be resumed exactly.
public struct TrainingConfiguration: Codable, Sendable, Equatable {
  /// n[0], …, n[L].
  public var sizes: [Int]
  /// g for layers 1 … L.
  public var activations: [Activation]
  public var loss: Loss
  /// The initializer of every layer, unless `layerInitializers` names one per layer.
  public var initializer: Initializer
  /// One initializer per layer, layer 1 first, when they differ; nil (absent from files) to use `initializer`.
  public var layerInitializers: [Initializer]? = nil
  /// λ of the L2 penalty (λ/2)·Σ‖W‖² on the weights (``Regularization``); nil (absent from files) for none.
  public var l2: Double? = nil
  /// p, the dropout rate of the hidden layers in training steps (``Regularization``); nil for none.
  public var dropout: Double? = nil
  /// Class weights, which multiply the training samples' weights (``Dataset/weighted(by:)``); nil for none.
  public var classWeights: ClassWeights? = nil
  /// The CSV column the sample weights were read from (and taken out of the features); nil for none. The command
  /// line reads it again when it resumes the run.
  public var sampleWeightColumn: String? = nil
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
  /// Early stopping: the epochs to wait for the validation loss to improve on its best before stopping, after
  /// which the best epoch's parameters are restored; nil to train every epoch. Needs a validation split.
  public var earlyStopping: Int? = nil
  /// How η changes from epoch to epoch; nil for a constant η.
  public var schedule: LearningRateSchedule? = nil
  /// The largest global gradient norm a step may take (``Trainer/gradientClip``); nil for no clipping.
  public var gradientClip: Double? = nil

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

  /// The initializer of each layer, layer 1 first: `layerInitializers`, or `initializer` for every layer.
  public var initializers: [Initializer] { layerInitializers ?? [initializer] }

  /// The L2 penalty and dropout of the training steps.
  ///
  /// - Throws: `BackpropError.invalidArgument` for λ < 0 or p outside [0, 1).
  public var regularization: Regularization {
    get throws { try Regularization(l2: l2 ?? 0, dropout: dropout ?? 0) }
  }

  /// Throws `BackpropError.invalidArgument` for a value out of range.
  public func validate() throws {
    _ = try regularization
    if let layerInitializers, layerInitializers.count != sizes.count - 1 {
      throw BackpropError.invalidArgument(
        name: "layer initializers", value: layerInitializers.map(\.rawValue).joined(separator: ","),
        expected: "\(sizes.count - 1), one per layer")
    }
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
    try schedule?.validate()
    if let gradientClip, !(gradientClip.isFinite && gradientClip > 0) {
      throw BackpropError.invalidArgument(name: "gradient clip", value: "\(gradientClip)", expected: "a finite norm greater than 0")
    }
    if let earlyStopping {
      guard earlyStopping >= 1 else {
        throw BackpropError.invalidArgument(name: "early stopping patience", value: "\(earlyStopping)", expected: "at least 1 epoch")
      }
      guard validationSplit > 0 else {
        throw BackpropError.invalidArgument(
          name: "early stopping", value: "no validation split", expected: "a validation split to watch the loss on")
      }
    }
    _ = try optimizer.stateNames()
    if optimizer.kind == .lbfgs {
      guard (dropout ?? 0) == 0, schedule == nil else {
        throw BackpropError.invalidArgument(
          name: dropout ?? 0 != 0 ? "dropout" : "schedule", value: "with lbfgs",
          expected: "none: L-BFGS's line search needs the same cost at every evaluation, and it has no η to schedule")
      }
    }
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
    /// ``AdamW``.
    case adamw
    /// ``RMSprop``.
    case rmsprop
    /// ``Adagrad``.
    case adagrad
    /// ``Rprop`` (iRPROP−), for full batches.
    case rprop
    /// ``LBFGS``, full batch: each epoch is up to ``TrainingRun/lbfgsIterationsPerEpoch`` iterations with a line
    /// search on every training sample (η is not used).
    case lbfgs

    /// η when none is given: PyTorch's defaults (0.001 for Adam and AdamW, 0.01 for RMSprop and Adagrad, and 0.01
    /// as Rprop's initial step), and 0.1 for SGD, the reference network's.
    public var defaultLearningRate: Double {
      switch self {
      case .sgd: 0.1
      case .adam, .adamw: 1e-3
      case .rmsprop, .adagrad, .rprop: 1e-2
      case .lbfgs: 1
      }
    }
  }

  public var kind: Kind
  /// η (Rprop's initial step size).
  public var learningRate: Double
  /// Adam's and AdamW's β1 and β2 (ignored by the others).
  public var beta1: Double = 0.9
  public var beta2: Double = 0.999
  /// ε of Adam, AdamW, RMSprop (1e-8) and Adagrad (1e-10); ignored by SGD and Rprop.
  public var epsilon: Double = 1e-8
  /// The momentum μ of SGD (``GradientDescent``) and RMSprop; 0 for none, and for the others.
  public var momentum: Double = 0
  /// Whether SGD's momentum is Nesterov's.
  public var nesterov = false
  /// AdamW's decoupled weight decay λ (0.01 unless given); 0 for the others.
  public var weightDecay: Double = 0
  /// RMSprop's α, the decay of the squared gradient's running mean (ignored by the others).
  public var alpha: Double = 0.99

  /// Settings with `kind`'s defaults for what is not given: λ = 0.01 for AdamW, ε = 1e-10 for Adagrad.
  public init(
    kind: Kind, learningRate: Double, momentum: Double = 0, nesterov: Bool = false, weightDecay: Double? = nil,
    alpha: Double = 0.99
  ) {
    self.kind = kind
    self.learningRate = learningRate
    self.momentum = momentum
    self.nesterov = nesterov
    self.weightDecay = weightDecay ?? (kind == .adamw ? 1e-2 : 0)
    self.alpha = alpha
    if kind == .adagrad { epsilon = 1e-10 }
  }

  /// The rule, its hyperparameters checked; a momentum, Nesterov flag or weight decay given to a rule that has
  /// none is refused.
  public func make() throws -> any Optimizer {
    try checkOptions()
    switch kind {
    case .sgd:
      return try GradientDescent(learningRate: learningRate, momentum: momentum, nesterov: nesterov)
    case .adam:
      return try Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon)
    case .adamw:
      return try AdamW(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
    case .rmsprop:
      return try RMSprop(learningRate: learningRate, alpha: alpha, epsilon: epsilon, momentum: momentum)
    case .adagrad:
      return try Adagrad(learningRate: learningRate, epsilon: epsilon)
    case .rprop:
      return try Rprop(learningRate: learningRate)
    case .lbfgs:
      throw BackpropError.invalidArgument(
        name: "optimizer", value: "lbfgs", expected: "a per-step rule (L-BFGS runs whole epochs: see TrainingRun)")
    }
  }

  /// The names of the optimizer's state slots per parameter tensor, saved in checkpoints (none for L-BFGS, which
  /// keeps no state between epochs).
  public func stateNames() throws -> [String] {
    try kind == .lbfgs ? checkOptions() : ()
    return kind == .lbfgs ? [] : try make().stateNames
  }

  /// Throws for a hyperparameter given to a rule that has none of it.
  private func checkOptions() throws {
    let refused: [(name: String, value: String, given: Bool, allowed: Set<Kind>)] = [
      ("momentum", "\(momentum)", momentum != 0, [.sgd, .rmsprop]),
      ("nesterov", "true", nesterov, [.sgd]),
      ("weight decay", "\(weightDecay)", weightDecay != 0, [.adamw]),
    ]
    if let misplaced = refused.first(where: { $0.given && !$0.allowed.contains(kind) }) {
      let owners = Kind.allCases.filter(misplaced.allowed.contains).map(\.rawValue).joined(separator: " and ")
      throw BackpropError.invalidArgument(
        name: misplaced.name, value: misplaced.value, expected: "none for \(kind.rawValue) (only \(owners) take one)")
    }
  }

  private enum CodingKeys: String, CodingKey {
    case kind, learningRate, beta1, beta2, epsilon, momentum, nesterov, weightDecay, alpha
  }

  /// `momentum`, `nesterov`, `weightDecay` and `alpha` may be absent (files written before they existed, or
  /// settings that do not use them); they read as 0, false, 0 and 0.99.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    kind = try container.decode(Kind.self, forKey: .kind)
    learningRate = try container.decode(Double.self, forKey: .learningRate)
    beta1 = try container.decode(Double.self, forKey: .beta1)
    beta2 = try container.decode(Double.self, forKey: .beta2)
    epsilon = try container.decode(Double.self, forKey: .epsilon)
    momentum = try container.decodeIfPresent(Double.self, forKey: .momentum) ?? 0
    nesterov = try container.decodeIfPresent(Bool.self, forKey: .nesterov) ?? false
    weightDecay = try container.decodeIfPresent(Double.self, forKey: .weightDecay) ?? 0
    alpha = try container.decodeIfPresent(Double.self, forKey: .alpha) ?? 0.99
  }

  /// `momentum`, `nesterov` and `weightDecay` are written only when set, and `alpha` only for RMSprop or when not
  /// 0.99, so SGD and Adam runs are described as before these existed.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(kind, forKey: .kind)
    try container.encode(learningRate, forKey: .learningRate)
    try container.encode(beta1, forKey: .beta1)
    try container.encode(beta2, forKey: .beta2)
    try container.encode(epsilon, forKey: .epsilon)
    if momentum != 0 { try container.encode(momentum, forKey: .momentum) }
    if nesterov { try container.encode(nesterov, forKey: .nesterov) }
    if weightDecay != 0 { try container.encode(weightDecay, forKey: .weightDecay) }
    if kind == .rmsprop || alpha != 0.99 { try container.encode(alpha, forKey: .alpha) }
  }
}

/// A whole training run over a labelled data set, epoch by epoch, that can be saved after any epoch and resumed to
/// end on exactly the bits an uninterrupted run ends on.
///
/// Every random choice flows from one ``SeededGenerator`` seeded with the configuration's seed, in this order:
/// the initial weights, then the validation split (a shuffle of 0..<N whose last ⌊N·split⌉ indices are held out),
/// then one shuffle per epoch. A resumed run replays the first two from the seed, then restores the parameters,
/// the optimizer's state, the step count and the generator's state from the checkpoint.
///
/// The run reports, it never prints: ``runEpoch(afterBatch:)`` returns an ``EpochReport``.
public struct TrainingRun<Scalar: BackpropScalar> {
  /// What decides the run.
  public private(set) var configuration: TrainingConfiguration
  /// The network being trained.
  public private(set) var network: Network<Scalar>
  /// The samples trained on (the data set less the validation split).
  public let training: Dataset
  /// The held-out samples, when there is a validation split.
  public let validation: Dataset?
  /// μ and s fitted on `training`, when the configuration asks to standardize.
  public let standardization: Standardization?
  /// The number of epochs completed.
  public private(set) var epoch = 0
  /// Whether each ``EpochReport`` carries the layers' weight and gradient norms (one extra forward and backward
  /// pass on 256 training samples per epoch, for reports and history files; off by default).
  public var recordsLayerNorms = false

  /// The per-step trainer; nil for L-BFGS, which runs whole epochs itself.
  private var trainer: Trainer<Scalar>?
  /// L-BFGS's iterations so far (its checkpointed step count).
  private var lbfgsIterations = 0
  private var generator: SeededGenerator
  private var plateau = PlateauState()

  /// A fresh run on `data`.
  ///
  /// - Throws: `BackpropError` when the configuration is out of range or does not fit the data (n[0] features,
  ///   n[L] classes), or the split leaves no sample on one side.
  public init(configuration: TrainingConfiguration, data: Dataset) throws {
    try configuration.validate()
    var generator = SeededGenerator(seed: configuration.seed)
    let network = try Network<Scalar>(
      sizes: configuration.sizes, activations: configuration.activations, loss: configuration.loss,
      initializers: configuration.initializers, using: &generator)
    let (trainingPart, validation) = try Self.split(data, fraction: configuration.validationSplit, using: &generator)
    training = try configuration.classWeights.map { try trainingPart.weighted(by: $0) } ?? trainingPart
    self.validation = validation
    standardization = configuration.standardize ? Standardization(fitting: training) : nil
    try network.check(training, standardization: standardization)
    guard training.hasTargets else {
      throw BackpropError.invalidArgument(name: "data", value: data.source, expected: "samples with targets to train on")
    }
    self.configuration = configuration
    self.network = network
    self.generator = generator
    self.trainer = try Self.trainer(for: configuration)
  }

  /// A run resumed from `checkpoint` on the same `data`, to reach `epochs` (by default the checkpoint's).
  ///
  /// - Throws: `BackpropError` when the checkpoint holds no training state or does not fit the data.
  public init(resuming checkpoint: ModelFile<Scalar>, data: Dataset, epochs: Int? = nil) throws {
    guard let state = checkpoint.training else {
      throw BackpropError.invalidArgument(
        name: "checkpoint", value: "a model without training state", expected: "a checkpoint written during training")
    }
    var configuration = state.configuration
    if let epochs { configuration.epochs = epochs }
    try self.init(configuration: configuration, data: data)
    guard checkpoint.network.sizes == network.sizes else {
      throw BackpropError.shapeMismatch(
        context: "checkpoint", expected: "layer sizes \(network.sizes) from its configuration",
        found: "\(checkpoint.network.sizes)")
    }
    network = checkpoint.network
    trainer = try Self.trainer(for: configuration, state: state.optimizerState, step: state.step)
    lbfgsIterations = trainer == nil ? state.step : 0
    generator.state = state.generatorState
    epoch = state.epoch
    best = state.best
    plateau = state.plateau ?? PlateauState()
  }

  /// With early stopping: the epoch of lowest validation loss so far, its loss and its parameters.
  public private(set) var best: BestEpoch<Scalar>?

  /// η for the next epoch: the optimizer's, or the schedule's for this epoch.
  public var learningRate: Double {
    configuration.schedule?.rate(
      base: configuration.optimizer.learningRate, epoch: epoch, epochs: configuration.epochs, plateauFactor: plateau.factor)
      ?? configuration.optimizer.learningRate
  }

  /// Whether the run has reached its epochs, or early stopping has seen no better validation loss for its patience.
  public var isFinished: Bool { epoch >= configuration.epochs || stoppedEarly }

  /// Whether early stopping ended the run: `patience` epochs since the best validation loss.
  public var stoppedEarly: Bool {
    guard let patience = configuration.earlyStopping, let best else { return false }
    return epoch - best.epoch >= patience && epoch < configuration.epochs
  }

  /// Puts back the parameters of the best epoch, when early stopping kept them; returns that epoch.
  @discardableResult
  public mutating func restoreBest() -> Int? {
    guard let best else { return nil }
    network = best.network
    return best.epoch
  }

  /// One epoch: shuffled mini-batches over `training`, then the validation set's evaluation.
  public mutating func runEpoch() throws -> EpochReport {
    // An overload rather than a default closure, which an unoptimized build would allocate (see `Trainer`).
    try runEpoch(afterBatch: { _, _, _ in })
  }

  /// ``runEpoch()`` with `afterBatch(done, total, cost)` following the epoch batch by batch.
  ///
  /// - Throws: `BackpropError.diverged` naming the epoch, the step and, when it can, the layer, as soon as a step's
  ///   cost (or, with gradient clipping, its gradient) is not finite, a parameter is not finite at the end of the
  ///   epoch, or the validation cost is not. The epoch is then not counted; go on from the last checkpoint.
  public mutating func runEpoch(afterBatch: (_ done: Int, _ total: Int, _ cost: Scalar) -> Void) throws
    -> EpochReport
  {
    let rate = learningRate
    let loss: Double
    if trainer != nil {  // mutated in place through `!`: a copy would duplicate the optimizer's state
      if configuration.schedule != nil {
        var settings = configuration.optimizer
        settings.learningRate = rate
        trainer!.optimizer = try settings.make()
      }
      do {
        loss = Double(try trainer!.epoch(
          &network, on: training, batchSize: configuration.batchSize, standardization: standardization,
          using: &generator, afterBatch: afterBatch))
      } catch BackpropError.diverged(_, let step, let layer, let cost, let hint) {
        throw BackpropError.diverged(epoch: epoch + 1, step: step, layer: layer, cost: cost, hint: hint)
      }
    } else {
      let result = try LBFGS(history: 10, maxIterations: Self.lbfgsIterationsPerEpoch)
        .minimize(&network, on: training, standardization: standardization, l2: configuration.l2 ?? 0)
      lbfgsIterations += result.iterations
      loss = result.costs[0]
      afterBatch(1, 1, Scalar(loss))
    }
    // A parameter that became NaN or infinite without making a cost so (behind a ReLU, say) is caught here, before
    // a checkpoint could save it.
    if let layer = Trainer.firstNonFiniteLayer(network, nil) {
      throw BackpropError.diverged(
        epoch: epoch + 1, step: trainer?.step ?? lbfgsIterations, layer: layer, cost: loss, hint: Trainer<Scalar>.hint)
    }
    let evaluation = try validation.map { try network.evaluate(on: $0, standardization: standardization) }
    if let evaluation, !evaluation.loss.isFinite {  // outputs that overflow on the held-out samples
      throw BackpropError.diverged(
        epoch: epoch + 1, step: trainer?.step ?? lbfgsIterations, cost: evaluation.loss,
        hint: "the validation cost is not finite: the outputs overflow; " + Trainer<Scalar>.hint)
    }
    epoch += 1
    if configuration.earlyStopping != nil, let evaluation, best.map({ evaluation.loss < $0.loss }) ?? true {
      best = BestEpoch(epoch: epoch, loss: evaluation.loss, network: network)
    }
    if case .plateau(let patience, let factor) = configuration.schedule {
      plateau.observe(evaluation?.loss ?? loss, patience: patience, decay: factor)
    }
    let norms = recordsLayerNorms ? try network.layerNorms(on: training, standardization: standardization) : nil
    return EpochReport(epoch: epoch, trainingLoss: loss, validation: evaluation, learningRate: rate, layerNorms: norms)
  }

  /// L-BFGS iterations per epoch (each with a line search over the whole training set). Its history restarts
  /// with every epoch, so a checkpoint needs no state beyond the parameters and a resumed run ends on the same bits.
  public static var lbfgsIterationsPerEpoch: Int { 20 }

  /// The per-step trainer for the configuration's optimizer, or nil for L-BFGS.
  private static func trainer(
    for configuration: TrainingConfiguration, state: [[Scalar]] = [], step: Int = 0
  ) throws -> Trainer<Scalar>? {
    guard configuration.optimizer.kind != .lbfgs else { return nil }
    var trainer = Trainer<Scalar>(optimizer: try configuration.optimizer.make(), state: state, step: step)
    trainer.regularization = try configuration.regularization
    trainer.gradientClip = configuration.gradientClip
    return trainer
  }

  /// The model file of the run as it stands: the network, its input description (with the run's
  /// standardization), and the training state that ``init(resuming:data:epochs:)`` needs.
  public func checkpoint(classNames: [String], input: InputDescription) -> ModelFile<Scalar> {
    var input = input
    input.standardization = standardization
    return ModelFile(
      network: network, classNames: classNames, input: input,
      training: TrainingState(
        configuration: configuration, epoch: epoch, step: trainer?.step ?? lbfgsIterations, generatorState: generator.state,
        optimizerState: trainer?.state ?? [], best: best,
        plateau: { if case .plateau = configuration.schedule { plateau } else { nil } }()))
  }

  /// Shuffles 0..<N with `generator` and holds out the last ⌊N·fraction⌉ indices; each side keeps file order.
  static func split(_ data: Dataset, fraction: Double, using generator: inout SeededGenerator) throws
    -> (Dataset, Dataset?)
  {
    guard fraction > 0 else { return (data, nil) }
    let held = Int((Double(data.count) * fraction).rounded())
    guard held > 0, held < data.count else {
      throw BackpropError.invalidArgument(
        name: "validation split", value: "\(fraction)",
        expected: "a fraction that leaves samples on both sides of \(data.count) (it holds out \(held))")
    }
    if let labels = data.labels {
      var counts = [Int](repeating: 0, count: data.classCount)
      for label in labels { counts[label] += 1 }
      if let lone = counts.indices.first(where: { counts[$0] == 1 }) {
        throw BackpropError.invalidArgument(
          name: "validation split", value: "\(fraction)",
          expected: "at least 2 samples of every class to split (class '\(data.classNames[lone])' has 1 in \(data.source)); add samples of it, drop it, or train without a split")
      }
    }
    var order = Array(0..<data.count)
    generator.shuffle(&order)
    return (data.subset(order.dropLast(held).sorted()), data.subset(order.suffix(held).sorted()))
  }
}

/// What one epoch did.
public struct EpochReport: Sendable {
  /// The epoch just completed, from 1.
  public var epoch: Int
  /// The mean cost over the epoch's batches, each taken before its update.
  public var trainingLoss: Double
  /// The held-out samples' evaluation, when there is a validation split.
  public var validation: Evaluation?
  /// The η the epoch trained with.
  public var learningRate: Double
  /// ‖W[l]‖ and ‖∂C/∂W[l]‖ after the epoch, when the run ``TrainingRun/recordsLayerNorms``.
  public var layerNorms: LayerNorms?
}

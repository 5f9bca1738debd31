import ArgumentParser
import Backprop
import Dispatch
import Foundation

/// `backprop train`: trains a classifier on IDX or CSV data, checkpoints every epoch, and reports on the test set.
struct TrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train",
    abstract: "Train a network on MNIST (the default) or on your IDX or CSV data.",
    discussion: """
      With no options: the reference network 784-128-10 (ReLU, softmax + cross-entropy), SGD η = 0.1, batch 64, \
      5 epochs, on the MNIST files in data/mnist. A progress bar runs on a terminal; otherwise one line per epoch. \
      At the end: test loss and accuracy, the confusion matrix, precision and recall per class.

      The model is checkpointed after every epoch (to --checkpoint, or else to --out), so a run stopped with \
      Ctrl-C or kill goes on with `backprop train --resume FILE` and ends on the same bits as if never stopped.
      """)

  @Option(help: "An IDX directory (train-* and t10k-* files, gzipped or not) or a CSV file. Default: data/mnist.")
  var data: String?

  @Option(help: "A CSV test set (for an IDX directory the t10k files are used).")
  var test: String?

  @Option(name: .customLong("label-column"), help: "The CSV label column, by name or 0-based index (default: label, class, target or y, else the last).")
  var labelColumn: String?

  @Option(name: .customLong("target"), help: ArgumentHelp(
    "A CSV target column (repeat for several: multi-label or several regression targets). Turns on the tabular defaults: the task inferred and said, one hidden layer, Adam η 0.01, standardized inputs, early stopping (patience 20) on a 20% validation split.",
    valueName: "column"))
  var targets: [String] = []

  @Option(name: .customLong("sample-weight"), help: ArgumentHelp(
    "A CSV column of per-sample weights (≥ 0, not all 0): taken out of the features; the cost becomes Σ w·C / Σ w.",
    valueName: "column"))
  var sampleWeight: String?

  @Option(help: "With --target: classification, regression or multi-label (default: inferred from the target columns).")
  var task: String?

  @Option(help: "Empty or NaN feature cells in a CSV: error (the default), drop (the row) or mean (the column's mean, stored in the model for predict).")
  var missing: String?

  @Option(help: ArgumentHelp(
    "How η changes per epoch: step:EVERY[:FACTOR], exponential:FACTOR, cosine[:WARMUP[:MIN]] or plateau[:PATIENCE[:FACTOR]] (on the validation loss, else the training loss). Default: constant.",
    valueName: "schedule"))
  var schedule: String?

  @Option(name: .customLong("clip-gradients"), help: ArgumentHelp(
    "Scale each step's gradient down to this global norm √(Σ‖∂C/∂W‖² + Σ‖∂C/∂b‖²) when it is larger (PyTorch's clip_grad_norm_); a gradient that is not finite then stops training in its step.",
    valueName: "norm"))
  var clipGradients: Double?

  @Option(name: .customLong("early-stopping"), help: ArgumentHelp(
    "Stop when the validation loss has not improved for this many epochs, and keep the best epoch's parameters. Needs --validation-split. Default with --target: 20.",
    valueName: "patience"))
  var earlyStopping: Int?

  @Option(help: "All layer sizes n[0],…,n[L], e.g. 784,128,10.")
  var layers: String?

  @Option(help: "Hidden layer sizes, e.g. 128,64; inputs and outputs come from the data. Default: 128.")
  var hidden: String?

  @Option(help: "One activation for the hidden layers (the output layer follows the loss), or one per layer. Default: relu.")
  var activation: String?

  @Option(help: "cross-entropy (softmax output, the default), binary-cross-entropy (sigmoid output) or mean-squared-error.")
  var loss: String?

  @Option(help: "sgd (the default; adam with --target), adam, adamw, rmsprop, adagrad, rprop (full batch by default) or lbfgs (full batch, for small data).")
  var optimizer: String?

  @Option(name: .customLong("learning-rate"), help: "η (default: 0.1 for sgd, 0.001 for adam and adamw, 0.01 for rmsprop and adagrad; for rprop the initial step, 0.01).")
  var learningRate: Double?

  @Option(help: "The momentum μ in [0, 1) of sgd (v := μ·v + g, w := w − η·v, PyTorch's rule) or rmsprop. Default: 0, none.")
  var momentum: Double?

  @Flag(help: "Nesterov momentum (sgd with --momentum): w := w − η·(g + μ·v).")
  var nesterov = false

  @Option(name: .customLong("weight-decay"), help: "AdamW's decoupled weight decay λ ≥ 0: w := w − η·λ·w before each step. Default: 0.01.")
  var weightDecay: Double?

  @Option(help: "RMSprop's α in [0, 1), the decay of the squared gradient's running mean v := α·v + (1 − α)·g². Default: 0.99.")
  var alpha: Double?

  @Option(help: ArgumentHelp(
    "How the weights start: one name for every layer, or one per layer (n1,n2,…). Default: uniform-fan-in.",
    discussion: "uniform-fan-in (pytorch), glorot-uniform (xavier), glorot-normal, he-uniform (kaiming), he-normal, lecun-uniform (lecun), lecun-normal, widrow-nguyen."))
  var initializer: String?

  @Option(help: "L2 penalty λ ≥ 0 on the weights: the cost gets + (λ/2)·Σ‖W‖², each step dW += λ·W. Default: 0.")
  var l2: Double?

  @Option(help: "Dropout rate p in [0, 1) of the hidden layers in training (inverted: kept units scaled by 1/(1 − p)). Default: 0.")
  var dropout: Double?

  @Option(name: .customLong("class-weight"), help: ArgumentHelp(
    "Class weights: balanced (N / (K·N_c), as scikit-learn) or name=w,… by class name (unnamed classes weigh 1).",
    valueName: "balanced|name=w,…"))
  var classWeight: String?

  @Option(name: .customLong("batch-size"), help: "Samples per mini-batch. Default: 64; for rprop, every training sample (one full batch).")
  var batchSize: Int?

  @Option(help: "Epochs to train (with --resume: the total to reach). Default: 5.")
  var epochs: Int?

  @Option(help: "The seed of every random choice. Default: 1.")
  var seed: UInt64?

  @Option(name: .customLong("validation-split"), help: "Fraction of the training samples held out for validation. Default: 0.")
  var validationSplit: Double?

  @Flag(help: "Standardize features with the training data's mean and standard deviation (stored in the model).")
  var standardize = false

  @Option(help: "Where to save the trained model (safetensors). Default: model.safetensors, or the --resume file.")
  var out: String?

  @Option(help: "Where to write a checkpoint after every epoch (default: the --out file). {epoch} in the name keeps one file per epoch: --checkpoint 'runs/epoch-{epoch}.safetensors'.")
  var checkpoint: String?

  @Option(help: "Append one JSON object per epoch to this file (JSON Lines), with each layer's weight and gradient norms.")
  var history: String?

  @Option(help: "Write an HTML training report here at the end: loss and accuracy curves, confusion matrix, per-layer norms, weight histograms, and the decision boundary (2 features) or misclassified digits (MNIST).")
  var report: String?

  @Option(help: "Continue the run saved in this checkpoint.")
  var resume: String?

  @Flag(help: "Print only the final results.")
  var quiet = false

  @Option(help: "Threads for the matrix products and updates (default: every core). With the native backend, results are the same bits for any number.")
  var threads: Int?

  @Option(help: "Where the matrix products run: native (the default; the same bits for any --threads), openblas or accelerate (Apple platforms), when found at run time.")
  var backend: String?

  func validate() throws {
    // Selected here, so that an unavailable backend is reported with this command's usage (exit 64).
    try Arguments.selectBackend(backend)
    if let threads, !(1...64).contains(threads) { throw ValidationError("--threads \(threads): expected 1 to 64") }
    if let batchSize, batchSize <= 0 { throw ValidationError("--batch-size \(batchSize): expected at least 1") }
    if let epochs, epochs < 0 { throw ValidationError("--epochs \(epochs): expected 0 or more") }
    if let learningRate, !(learningRate.isFinite && learningRate > 0) {
      throw ValidationError("--learning-rate \(learningRate): expected a finite number greater than 0")
    }
    if let validationSplit, !(validationSplit >= 0 && validationSplit < 1) {
      throw ValidationError("--validation-split \(validationSplit): expected a fraction in [0, 1)")
    }
    try validateTabular()
    try validateOptimizer()
    try validateBreadth()
    if nesterov, !((momentum ?? 0) > 0) {
      throw ValidationError("--nesterov: needs a --momentum greater than 0")
    }
    if let loss { _ = try Arguments.loss(loss, option: "--loss") }
    if let activation { _ = try Arguments.activations(activation, option: "--activation") }
    if let resume {
      let fixed: [(String, Bool)] = [
        ("--layers", layers != nil), ("--hidden", hidden != nil), ("--activation", activation != nil),
        ("--loss", loss != nil), ("--optimizer", optimizer != nil), ("--learning-rate", learningRate != nil),
        ("--momentum", momentum != nil), ("--nesterov", nesterov), ("--weight-decay", weightDecay != nil),
        ("--alpha", alpha != nil),
        ("--batch-size", batchSize != nil), ("--seed", seed != nil), ("--validation-split", validationSplit != nil),
        ("--standardize", standardize), ("--target", !targets.isEmpty), ("--task", task != nil),
        ("--missing", missing != nil), ("--sample-weight", sampleWeight != nil), ("--early-stopping", earlyStopping != nil), ("--schedule", schedule != nil),
        ("--clip-gradients", clipGradients != nil),
        ("--initializer", initializer != nil), ("--l2", l2 != nil), ("--dropout", dropout != nil),
        ("--class-weight", classWeight != nil),
      ]
      if let given = fixed.first(where: \.1) {
        throw ValidationError(
          "\(given.0): a resumed run keeps the configuration saved in \(resume); only --epochs, --data, --test, "
            + "--label-column, --out, --checkpoint, --history and --quiet can be given")
      }
    }
    if layers != nil, hidden != nil { throw ValidationError("--layers and --hidden: give one or the other") }
    if let layers { _ = try Arguments.sizes(layers, option: "--layers") }
    if let hidden { _ = try Arguments.sizes(hidden, option: "--hidden", minimumCount: 1) }
    for path in [output, checkpoint.map { Self.checkpointPath($0, epoch: 1) }, history, report].compactMap({ $0 }) {
      try Files.checkWritable(path)
    }
  }

  /// --target, --task, --missing and --early-stopping.
  private func validateTabular() throws {
    if let clipGradients, !(clipGradients.isFinite && clipGradients > 0) {
      throw ValidationError("--clip-gradients \(clipGradients): expected a finite norm greater than 0")
    }
    if let schedule {
      do { _ = try LearningRateSchedule(parsing: schedule) } catch { throw ValidationError("--schedule \(schedule): expected step:EVERY[:FACTOR], exponential:FACTOR, cosine[:WARMUP[:MIN]] or plateau[:PATIENCE[:FACTOR]], with whole epochs and factors in (0, 1]") }
    }
    if let task, Task(name: task) == nil {
      throw ValidationError("--task \(task): expected classification, regression or multi-label")
    }
    if task != nil || missing != nil, targets.isEmpty, resume == nil {
      throw ValidationError("--\(task != nil ? "task" : "missing"): only with --target COLUMN (a CSV table)")
    }
    if let missing, CSVReader.MissingValues(rawValue: missing.lowercased()) == nil {
      throw ValidationError("--missing \(missing): expected error, drop or mean")
    }
    if !targets.isEmpty, labelColumn != nil { throw ValidationError("--target and --label-column: give one or the other") }
    if sampleWeight != nil, missing?.lowercased() == "mean" {
      throw ValidationError("--sample-weight with --missing mean: not supported together; fill or drop the missing cells first, or use --missing drop")
    }
    if let earlyStopping {
      guard earlyStopping >= 1 else { throw ValidationError("--early-stopping \(earlyStopping): expected at least 1 epoch") }
      if targets.isEmpty, !((validationSplit ?? 0) > 0) {
        throw ValidationError("--early-stopping: needs a --validation-split to watch the loss on")
      }
    }
    if validationSplit == 0, earlyStopping != nil {
      throw ValidationError("--early-stopping: needs a --validation-split greater than 0")
    }
  }

  /// --initializer, --l2, --dropout and --class-weight: known names, values in range.
  private func validateBreadth() throws {
    if let initializer { _ = try Self.initializers(initializer) }
    if let l2, !(l2.isFinite && l2 >= 0) { throw ValidationError("--l2 \(l2): expected a finite number ≥ 0") }
    if let dropout, !(dropout >= 0 && dropout < 1) {
      throw ValidationError("--dropout \(dropout): expected a probability in [0, 1)")
    }
    if let classWeight { _ = try Self.classWeights(classWeight) }
  }

  /// `--initializer NAME` or `n1,n2,…`.
  static func initializers(_ text: String) throws -> [Initializer] {
    try text.split(separator: ",", omittingEmptySubsequences: false).map { item in
      let name = item.trimmingCharacters(in: .whitespaces)
      guard let initializer = Initializer(name: name) else {
        throw ValidationError(
          "--initializer: unknown initializer '\(name)'; expected one of "
            + "\(Initializer.allCases.map(\.rawValue).joined(separator: ", ")) (or pytorch, xavier, kaiming, lecun)")
      }
      return initializer
    }
  }

  /// `--class-weight balanced` or `name=w,…`.
  static func classWeights(_ text: String) throws -> ClassWeights {
    if text.lowercased() == "balanced" { return .balanced }
    return .byName(try text.split(separator: ",", omittingEmptySubsequences: false).map { item in
      let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      guard parts.count == 2, !parts[0].isEmpty, let weight = Double(parts[1].trimmingCharacters(in: .whitespaces)),
            weight.isFinite, weight >= 0 else {
        throw ValidationError(
          "--class-weight: '\(item)' is not name=weight with a finite weight ≥ 0; expected balanced or e.g. a=2,b=1")
      }
      return ClassWeights.Entry(class: String(parts[0]), weight: weight)
    })
  }

  /// --optimizer, and the options that belong to one optimizer: in range, and given only with theirs.
  private func validateOptimizer() throws {
    let kinds = OptimizerSettings.Kind.allCases.map(\.rawValue)
    if let optimizer, OptimizerSettings.Kind(rawValue: optimizer.lowercased()) == nil {
      throw ValidationError(
        "--optimizer: unknown optimizer '\(optimizer)'; expected \(kinds.dropLast().joined(separator: ", ")) or \(kinds.last!)")
    }
    for (flag, value) in [("--momentum", momentum), ("--alpha", alpha)] {
      if let value, !(value >= 0 && value < 1) { throw ValidationError("\(flag) \(value): expected a number in [0, 1)") }
    }
    if let weightDecay, !(weightDecay.isFinite && weightDecay >= 0) {
      throw ValidationError("--weight-decay \(weightDecay): expected a finite number ≥ 0")
    }
    guard resume == nil else { return }   // a resumed run refuses them all, below
    let kind = OptimizerSettings.Kind(rawValue: (optimizer ?? (targets.isEmpty ? "sgd" : "adam")).lowercased())!
    let owned: [(flag: String, given: Bool, kinds: [OptimizerSettings.Kind])] = [
      ("--momentum", momentum != nil, [.sgd, .rmsprop]), ("--nesterov", nesterov, [.sgd]),
      ("--weight-decay", weightDecay != nil, [.adamw]), ("--alpha", alpha != nil, [.rmsprop]),
    ]
    if kind == .lbfgs, let flag = [("--learning-rate", learningRate != nil), ("--batch-size", batchSize != nil),
                                    ("--dropout", (dropout ?? 0) != 0), ("--schedule", schedule != nil)].first(where: \.1) {
      throw ValidationError("\(flag.0): not with --optimizer lbfgs (full batch; its line search picks every step)")
    }
    if let misplaced = owned.first(where: { $0.given && !$0.kinds.contains(kind) }) {
      throw ValidationError(
        "\(misplaced.flag): only for --optimizer \(misplaced.kinds.map(\.rawValue).joined(separator: " or "))"
          + (optimizer == nil ? " (the optimizer is \(kind.rawValue) unless given)" : ", not \(kind.rawValue)"))
    }
  }

  /// Where the model goes: --out, else the file a resumed run came from, else model.safetensors.
  private var output: String { out ?? resume ?? "model.safetensors" }

  func run() throws {
    ComputeThreads.count = threads ?? ComputeThreads.available
    let out = output
    let resumed = try resume.map { try ModelFile<Float>.read(from: $0) }
    let saved = resumed?.training?.configuration
    if let done = resumed?.training?.epoch, let epochs, epochs < done {
      Self.exit(withError: ValidationError(
        "--epochs \(epochs): \(resume!) has already completed \(done) epochs; give the total to reach, at least \(done)"))
    }
    let dataPath = try DataLoading.resolve(data ?? saved?.data)
    let testPath = test ?? saved?.test
    var train: Dataset, testSet: Dataset?, input: InputDescription
    var tableNotes: [String] = [], taskReason: String?
    if !targets.isEmpty || resumed?.input.task != nil {
      // A CSV table with named targets: read as given, or as the resumed model was trained.
      if let resumed {
        input = resumed.input
        train = try TabularData.like(input, classNames: resumed.classNames, path: dataPath, withTargets: true)
      } else {
        let table = try TabularData.training(
          dataPath, targets: targets, task: task.flatMap(Task.init(name:)),
          missing: missing.flatMap { CSVReader.MissingValues(rawValue: $0.lowercased()) } ?? .error, classNames: nil)
        train = table.dataset
        taskReason = table.taskReason
        tableNotes = TabularData.notes(table, constant: Standardization.constantFeatures(of: train))
        let header = try DataLoading.header(of: dataPath)
        let names = targets.map { Int($0).map { header.indices.contains($0) ? header[$0] : "\($0)" } ?? $0 }
        var description = InputDescription(
          features: train.featureCount, featureNames: train.featureNames,
          labelColumn: train.task == .classification ? names[0] : nil, scaling: .none)
        description.task = train.task
        description.targetColumns = names
        description.missing = missing.flatMap { CSVReader.MissingValues(rawValue: $0.lowercased()) }
        description.fill = table.fill
        input = description
      }
      testSet = try testPath.map {
        try TabularData.like(input, classNames: train.classNames, path: $0, withTargets: true)
      }
    } else {
      let column: String?
      (train, column) = try DataLoading.labelled(
        dataPath, split: .train, labelColumn: labelColumn ?? resumed?.input.labelColumn,
        classNames: resumed.map(\.classNames))
      testSet = try loadTest(testPath, dataPath: dataPath, column: column, classNames: train.classNames)
      input = InputDescription(
        features: train.featureCount, featureNames: train.featureNames, labelColumn: column,
        scaling: { if case .bytes = train.features { .divideBy255 } else { .none } }())
    }

    if let column = sampleWeight ?? saved?.sampleWeightColumn {
      // The weights leave the features, in the training and test sets and in what the model expects as input.
      let (features, weights) = try train.removingFeature(named: column)
      train = features
      try train.setSampleWeights(weights)
      testSet = try testSet.map { try $0.removingFeature(named: column).dataset }
      input.features = train.featureCount
      input.featureNames = train.featureNames
      input.ignoredColumns = [column]
    }

    var run: TrainingRun<Float>
    if let resumed {
      run = try TrainingRun(resuming: resumed, data: train, epochs: epochs)
    } else {
      var configuration = try configuration(for: train)
      configuration.data = data.map(Files.absolute)
      configuration.test = testPath.map(Files.absolute)
      configuration.sampleWeightColumn = sampleWeight
      run = try TrainingRun(configuration: configuration, data: train)
    }
    let checkpointPattern = checkpoint ?? out
    // What killed runs left (their checkpoint writes cut short); a run resumed after its last epoch writes nothing
    // that would clear them.
    for path in Set([out, checkpointPattern]) { removeAbandonedWrites(of: path) }
    func checkpointPath(_ epoch: Int) -> String { Self.checkpointPath(checkpointPattern, epoch: epoch) }
    let interruption = Interruption(checkpoint: checkpointPattern, history: history, epoch: resumed == nil ? nil : run.epoch)
    interruption.install()

    let config = run.configuration
    say(describe(config, train: run.training, validation: run.validation, test: testSet, source: dataPath,
                 resumedAt: resumed?.training?.epoch))
    if let taskReason { say("Task: \(run.training.task.rawValue), as \(taskReason)\(task == nil ? " (--task to choose another)" : "")") }
    for note in tableNotes { say("Note: \(note)") }
    var historyFile = try history.map { try HistoryFile(path: $0, keepingEpochsUpTo: resumed == nil ? 0 : run.epoch) }
    run.recordsLayerNorms = history != nil || report != nil
    var records = try resumed == nil ? [] : history.map { try HistoryFile.epochs(in: $0) } ?? []

    var lastTest: Evaluation?
    while !run.isFinished {
      let started = ContinuousClock.now
      let epoch = run.epoch + 1
      var progress = ProgressBar(enabled: !quiet && ProgressBar.standardErrorIsTerminal)
      var runningTotal = 0.0
      let report: EpochReport
      do {
        report = try run.runEpoch { done, total, cost in
          runningTotal += Double(cost)
          progress.update(epoch: epoch, of: config.epochs, done: done, total: total, loss: runningTotal / Double(done))
        }
      } catch let error as BackpropError {
        // Divergence: nothing of this epoch is saved; the last checkpoint (a complete, finite epoch) stays.
        progress.clear()
        guard case .diverged = error else { throw error }
        let kept = run.epoch > 0 || resumed != nil
          ? "the last good checkpoint, epoch \(run.epoch), is \(checkpointPath(run.epoch)) (go on from it with a lower learning rate)"
          : "nothing was saved: it diverged in the first epoch"
        FileHandle.standardError.write(Data("Error: \(error)\n\(kept)\n".utf8))
        throw ExitCode.failure
      }
      progress.clear()
      lastTest = report.validation == nil
        ? try testSet.map { try run.network.evaluate(on: $0, standardization: run.standardization) } : nil
      let seconds = (ContinuousClock.now - started).seconds
      let record = HistoryFile.Epoch(
        epoch: report.epoch, trainLoss: report.trainingLoss, seconds: seconds,
        valLoss: report.validation?.loss, valAccuracy: report.validation?.accuracy,
        testLoss: lastTest?.loss, testAccuracy: lastTest?.accuracy,
        weightNorms: report.layerNorms?.weights, gradientNorms: report.layerNorms?.gradients)
      records.append(record)
      // The history first: a run killed between the two writes resumes from the previous checkpoint and drops
      // this record, where the other order would lose it for good.
      try historyFile?.append(record)
      try run.checkpoint(classNames: train.classNames, input: input).write(to: checkpointPath(report.epoch))
      interruption.completed(epoch: report.epoch)
      say(epochLine(report, test: lastTest, epochs: config.epochs, scheduled: config.schedule != nil, seconds: seconds))
    }

    var savedEpoch = run.epoch
    if config.earlyStopping != nil, let best = run.restoreBest() {
      say(run.stoppedEarly
        ? "Early stopping: no lower validation loss in the \(config.earlyStopping!) epochs after epoch \(best); its parameters are kept"
        : "Kept the parameters of epoch \(best), the lowest validation loss")
      if best != run.epoch { lastTest = nil }
      savedEpoch = best
    }
    if checkpointPattern != out || resumed == nil && config.epochs == 0 || savedEpoch != run.epoch {
      try run.checkpoint(classNames: train.classNames, input: input).write(to: out)
    }
    var final: (title: String, value: Evaluation)?
    if let testSet {
      let evaluation = try lastTest ?? run.network.evaluate(on: testSet, standardization: run.standardization)
      print((quiet ? "" : "\n") + EvaluationReport.text(evaluation, title: "Test set"))
      try historyFile?.append(HistoryFile.Final(testLoss: evaluation.loss, testAccuracy: evaluation.accuracy))
      final = ("Test set", evaluation)
    } else if let validation = run.validation {
      let evaluation = try run.network.evaluate(on: validation, standardization: run.standardization)
      print((quiet ? "" : "\n") + EvaluationReport.text(evaluation, title: "Validation set"))
      final = ("Validation set", evaluation)
    }
    if let report {
      let shape = config.sizes.map(String.init).joined(separator: "-")
      var input = input
      input.standardization = run.standardization
      let html = try HTMLReport(
        title: "Training report: \(shape) on \((dataPath as NSString).lastPathComponent)",
        summary: [
          ("network", "\(shape), \(config.activations.map(\.rawValue).joined(separator: " → ")), \(config.loss.rawValue)"),
          ("optimizer", Self.summary(of: config.optimizer)),
          ("data", "\(run.training.count) training samples from \(dataPath)"),
          ("epochs", "\(run.epoch) trained, parameters of epoch \(savedEpoch) saved to \(out)"),
          ("seed", "\(config.seed)"),
        ],
        epochs: records, network: run.network, input: input, evaluation: final, trainingData: run.training,
        evaluationData: testSet ?? run.validation
      ).html()
      try writeAtomically(Array(html.utf8), to: report)
      say("Wrote the training report to \(report)")
    }
    print((quiet ? "" : "\n") + "Saved the model after epoch \(savedEpoch) to \(out)"
          + (checkpointPattern != out ? " (checkpoints in \(checkpointPattern))" : ""))
  }

  /// The checkpoint file for `epoch`: `pattern` with `{epoch}` replaced by the number.
  static func checkpointPath(_ pattern: String, epoch: Int) -> String {
    pattern.replacingOccurrences(of: "{epoch}", with: String(epoch))
  }

  // MARK: Setting up

  private func configuration(for data: Dataset) throws -> TrainingConfiguration {
    // With --target, the defaults of a small tabular problem (see docs/training-options.md).
    let tabular = !targets.isEmpty
    let loss = try loss.map { try Arguments.loss($0, option: "--loss") } ?? (tabular ? data.task.output.loss : .crossEntropy)
    let sizes: [Int]
    if let layers {
      sizes = try Arguments.sizes(layers, option: "--layers")
      guard sizes[0] == data.featureCount else {
        Self.exit(withError: ValidationError("--layers \(layers): the data has \(data.featureCount) features per sample, not \(sizes[0])"))
      }
      guard sizes[sizes.count - 1] == data.outputCount else {
        let what = data.targetValues == nil ? "classes" : "targets"
        Self.exit(withError: ValidationError(
          "--layers \(layers): the data has \(data.outputCount) \(what), not \(sizes[sizes.count - 1]) outputs"))
      }
    } else {
      let hiddenSizes = try hidden.map { try Arguments.sizes($0, option: "--hidden", minimumCount: 1) }
        ?? (tabular ? TabularData.defaultHidden(features: data.featureCount) : [128])
      sizes = [data.featureCount] + hiddenSizes + [data.outputCount]
    }
    let given = try Arguments.activations(activation ?? "relu", option: "--activation")
    let output: Activation = switch loss {
    case .crossEntropy: .softmax
    case .binaryCrossEntropy: .sigmoid
    case .meanSquaredError: .linear
    }
    let activations: [Activation]
    if given.count == sizes.count - 1 {
      activations = given
    } else if given.count == 1 {
      activations = Array(repeating: given[0], count: sizes.count - 2) + [output]
    } else {
      Self.exit(withError: ValidationError(
        "--activation: \(sizes.count - 1) layers need one activation (for the hidden layers) or \(sizes.count - 1); found \(given.count)"))
    }
    let kind = OptimizerSettings.Kind(rawValue: (optimizer ?? (tabular ? "adam" : "sgd")).lowercased())!
    let settings = OptimizerSettings(
      // A table's Adam steps at 0.01: its networks are small and its epochs few batches long, and early stopping
      // with the best epoch kept guards against the overshoot (measured on three small tables: see the issue note).
      kind: kind, learningRate: learningRate ?? (tabular && kind == .adam ? 0.01 : kind.defaultLearningRate), momentum: momentum ?? 0, nesterov: nesterov,
      weightDecay: weightDecay, alpha: alpha ?? 0.99)
    // Rprop is a full-batch method: unless told otherwise, one batch of every training sample (L-BFGS always is).
    let batch = kind == .lbfgs ? data.count : batchSize ?? (kind == .rprop ? data.count : tabular ? 32 : 64)
    var configuration = TrainingConfiguration(
      sizes: sizes, activations: activations, loss: loss, optimizer: settings, batchSize: batch,
      epochs: epochs ?? (tabular ? 200 : 5), seed: seed ?? 1, validationSplit: validationSplit ?? (tabular ? 0.2 : 0),
      standardize: standardize || tabular)
    configuration.earlyStopping = earlyStopping ?? (tabular && configuration.validationSplit > 0 ? 20 : nil)
    configuration.schedule = try schedule.map(LearningRateSchedule.init(parsing:))
    configuration.gradientClip = clipGradients
    try setBreadth(of: &configuration, for: data)
    return configuration
  }

  /// --initializer, --l2, --dropout and --class-weight into the configuration (nothing is recorded for a default).
  private func setBreadth(of configuration: inout TrainingConfiguration, for data: Dataset) throws {
    if let initializer {
      let chosen = try Self.initializers(initializer)
      let layers = configuration.sizes.count - 1
      guard chosen.count == 1 || chosen.count == layers else {
        Self.exit(withError: ValidationError(
          "--initializer: \(layers) layers need one initializer or \(layers), one per layer; found \(chosen.count)"))
      }
      configuration.initializer = chosen[0]
      configuration.layerInitializers = chosen.count == 1 ? nil : chosen
    }
    configuration.l2 = l2.flatMap { $0 == 0 ? nil : $0 }
    configuration.dropout = dropout.flatMap { $0 == 0 ? nil : $0 }
    if let classWeight {
      guard data.labels != nil else {
        Self.exit(withError: ValidationError("--class-weight: only for classes (the task is \(data.task.rawValue))"))
      }
      let weights = try Self.classWeights(classWeight)
      if case .byName(let entries) = weights, let unknown = entries.first(where: { !data.classNames.contains($0.class) }) {
        Self.exit(withError: ValidationError(
          "--class-weight: no class '\(unknown.class)'; the classes are \(data.classNames.joined(separator: ", "))"))
      }
      configuration.classWeights = weights
    }
  }

  private func loadTest(_ test: String?, dataPath: String, column: String?, classNames: [String]) throws -> Dataset? {
    if let test {
      return try DataLoading.labelled(test, split: .test, labelColumn: column, classNames: classNames).0
    }
    guard DataLoading.isDirectory(dataPath) else { return nil }
    return try IDXReader.readDirectory(dataPath, split: .test)
  }

  // MARK: Output

  private func say(_ text: String) {
    if !quiet { print(text) }
  }

  private func describe(
    _ c: TrainingConfiguration, train: Dataset, validation: Dataset?, test: Dataset?, source: String, resumedAt: Int?
  ) -> String {
    let shape = c.sizes.map(String.init).joined(separator: "-")
    let optimizer = Self.summary(of: c.optimizer)
    var sets = "\(train.count) training samples"
    if let validation { sets += ", \(validation.count) validation" }
    if let test { sets += ", \(test.count) test" }
    var text = "Training \(shape) (\(c.activations.map(\.rawValue).joined(separator: " → ")), \(c.loss.rawValue)) on \(source): \(sets)\n"
      + "\(optimizer)\(c.optimizer.kind == .lbfgs ? "" : ", batch \(c.batchSize)"), \(c.earlyStopping == nil ? "" : "up to ")\(c.epochs) epoch\(c.epochs == 1 ? "" : "s")"
      + (c.earlyStopping.map { " (early stopping: patience \($0) on the validation loss, best kept)" } ?? "")
      + (c.schedule.map { ", η schedule \($0.description)" } ?? "")
      + (c.gradientClip.map { ", gradients clipped to norm \($0)" } ?? "")
      + ", seed \(c.seed)"
      + (c.standardize ? ", standardized inputs\(train.task == .regression ? " and targets" : "")" : "")
      + "; \(ComputeThreads.count) thread\(ComputeThreads.count == 1 ? "" : "s"), \(ComputeBackend.current)"
    if let breadth = Self.breadthSummary(of: c) { text += "\n" + breadth }
    if let resumedAt { text += "\nResuming after epoch \(resumedAt) from \(resume ?? "")" }
    return text
  }

  /// The initializers, regularization and class weights when not the defaults, for the header: e.g.
  /// `initializers he-normal, glorot-uniform; L2 λ = 0.0001; dropout p = 0.5; class weights balanced`.
  static func breadthSummary(of c: TrainingConfiguration) -> String? {
    var parts: [String] = []
    if c.initializers != [.uniformFanIn] {
      parts.append("initializer\(c.initializers.count == 1 ? "" : "s") \(c.initializers.map(\.rawValue).joined(separator: ", "))")
    }
    if let l2 = c.l2 { parts.append("L2 λ = \(l2)") }
    if let dropout = c.dropout { parts.append("dropout p = \(dropout)") }
    switch c.classWeights {
    case .balanced: parts.append("class weights balanced")
    case .byName(let entries):
      parts.append("class weights " + entries.map { "\($0.class) = \($0.weight)" }.joined(separator: ", "))
    case nil: break
    }
    if let column = c.sampleWeightColumn { parts.append("sample weights from column '\(column)'") }
    return parts.isEmpty ? nil : parts.joined(separator: "; ")
  }

  /// The optimizer and its hyperparameters, for the header: e.g. `SGD η = 0.1, momentum μ = 0.9`.
  static func summary(of o: OptimizerSettings) -> String {
    let eta = "η = \(o.learningRate)", adam = "β1 \(o.beta1), β2 \(o.beta2), ε \(o.epsilon)"
    let momentum = o.momentum == 0 ? "" : ", \(o.nesterov ? "Nesterov " : "")momentum μ = \(o.momentum)"
    switch o.kind {
    case .sgd: return "SGD \(eta)\(momentum)"
    case .adam: return "Adam \(eta) (\(adam))"
    case .adamw: return "AdamW \(eta), weight decay λ = \(o.weightDecay) (\(adam))"
    case .rmsprop: return "RMSprop \(eta)\(momentum) (α \(o.alpha), ε \(o.epsilon))"
    case .adagrad: return "Adagrad \(eta) (ε \(o.epsilon))"
    case .rprop:
      let bounds = (try? Rprop(learningRate: o.learningRate)).map {
        " (η₊ \($0.increase), η₋ \($0.decrease), Δ in [\($0.minimumStep), \($0.maximumStep)])"
      }
      return "Rprop (iRPROP−), initial step Δ = \(o.learningRate)\(bounds ?? "")"
    case .lbfgs:
      return "L-BFGS (history 10, strong-Wolfe line search), full batch, up to \(TrainingRun<Float>.lbfgsIterationsPerEpoch) iterations per epoch"
    }
  }

  private func epochLine(_ report: EpochReport, test: Evaluation?, epochs: Int, scheduled: Bool, seconds: Double) -> String {
    var parts = ["epoch \(report.epoch)/\(epochs)", "train loss \(String(format: "%.4f", report.trainingLoss))"]
    if scheduled { parts.insert("η \(String(format: "%.4g", report.learningRate))", at: 1) }
    for (name, evaluation) in [("val", report.validation), ("test", test)] {
      guard let evaluation else { continue }
      parts.append("\(name) loss \(String(format: "%.4f", evaluation.loss))")
      if let regression = evaluation.regression {
        let rmse = regression.rootMeanSquaredError.reduce(0, +) / Double(max(regression.rootMeanSquaredError.count, 1))
        parts.append("\(name) RMSE \(EvaluationReport.number(rmse))")
      } else {
        parts.append("\(name) accuracy \(EvaluationReport.percent(evaluation.accuracy))")
      }
    }
    parts.append(String(format: "%.1f s", seconds))
    return parts.joined(separator: "  ")
  }
}

/// What Ctrl-C or `kill` prints before the process ends: where the last complete checkpoint is and how to go on.
/// Checkpoints are written atomically, so ending at any instant leaves the last one whole.
final class Interruption: @unchecked Sendable {  // `lock` guards `epoch`, the one field that changes
  private let lock = NSLock()
  private var epoch: Int?
  private let checkpoint: String
  private let history: String?
  private var sources: [DispatchSourceSignal] = []

  /// `checkpoint`: `--checkpoint` (or `--out`), `{epoch}` included; `epoch`: the epoch saved already (a resumed
  /// run), or nil.
  init(checkpoint: String, history: String?, epoch: Int?) {
    self.checkpoint = checkpoint
    self.history = history
    self.epoch = epoch
  }

  func completed(epoch: Int) {
    lock.withLock { self.epoch = epoch }
  }

  /// Handles SIGINT (Ctrl-C) and SIGTERM (`kill`): prints the message and exits with status 130.
  func install() {
    for number in [SIGINT, SIGTERM] {
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { [self] in
        let epoch = lock.withLock { self.epoch }
        let message = epoch.map { epoch in
          let file = TrainCommand.checkpointPath(checkpoint, epoch: epoch)
          let command = "backprop train --resume \(file)" + (history.map { " --history \($0)" } ?? "")
          return "\ninterrupted; \(file) holds epoch \(epoch): go on with `\(command)`\n"
        }
          ?? "\ninterrupted before the first epoch ended; nothing was saved\n"
        FileHandle.standardError.write(Data(message.utf8))
        exit(130)
      }
      source.resume()
      sources.append(source)
    }
  }
}

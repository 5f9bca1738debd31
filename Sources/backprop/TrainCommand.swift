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

  @Option(help: "All layer sizes n[0],…,n[L], e.g. 784,128,10.")
  var layers: String?

  @Option(help: "Hidden layer sizes, e.g. 128,64; inputs and outputs come from the data. Default: 128.")
  var hidden: String?

  @Option(help: "One activation for the hidden layers (the output layer follows the loss), or one per layer. Default: relu.")
  var activation: String?

  @Option(help: "cross-entropy (softmax output, the default), binary-cross-entropy (sigmoid output) or mean-squared-error.")
  var loss: String?

  @Option(help: "sgd (the default) or adam.")
  var optimizer: String?

  @Option(name: .customLong("learning-rate"), help: "η (default: 0.1 for sgd, 0.001 for adam).")
  var learningRate: Double?

  @Option(help: "SGD's momentum μ in [0, 1): v := μ·v + g, w := w − η·v (PyTorch's rule). Default: 0, plain SGD.")
  var momentum: Double?

  @Flag(help: "Nesterov momentum (with --momentum): w := w − η·(g + μ·v).")
  var nesterov = false

  @Option(name: .customLong("batch-size"), help: "Samples per mini-batch. Default: 64.")
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

  @Option(help: "Where to write a checkpoint after every epoch (default: the --out file).")
  var checkpoint: String?

  @Option(help: "Append one JSON object per epoch to this file (JSON Lines).")
  var history: String?

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
    if let optimizer, OptimizerSettings.Kind(rawValue: optimizer.lowercased()) == nil {
      throw ValidationError("--optimizer: unknown optimizer '\(optimizer)'; expected sgd or adam")
    }
    if let momentum, !(momentum >= 0 && momentum < 1) {
      throw ValidationError("--momentum \(momentum): expected a number in [0, 1)")
    }
    if momentum != nil || nesterov, optimizer?.lowercased() == "adam" {
      throw ValidationError("--\(momentum != nil ? "momentum" : "nesterov"): only for --optimizer sgd")
    }
    if nesterov, !((momentum ?? 0) > 0) {
      throw ValidationError("--nesterov: needs a --momentum greater than 0")
    }
    if let loss { _ = try Arguments.loss(loss, option: "--loss") }
    if let activation { _ = try Arguments.activations(activation, option: "--activation") }
    if let resume {
      let fixed: [(String, Bool)] = [
        ("--layers", layers != nil), ("--hidden", hidden != nil), ("--activation", activation != nil),
        ("--loss", loss != nil), ("--optimizer", optimizer != nil), ("--learning-rate", learningRate != nil),
        ("--momentum", momentum != nil), ("--nesterov", nesterov),
        ("--batch-size", batchSize != nil), ("--seed", seed != nil), ("--validation-split", validationSplit != nil),
        ("--standardize", standardize),
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
    for path in [output, checkpoint, history].compactMap({ $0 }) { try Files.checkWritable(path) }
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
    let (train, column) = try DataLoading.labelled(
      dataPath, split: .train, labelColumn: labelColumn ?? resumed?.input.labelColumn,
      classNames: resumed.map(\.classNames))
    let testPath = test ?? saved?.test
    let testSet = try loadTest(testPath, dataPath: dataPath, column: column, classNames: train.classNames)

    var run: TrainingRun<Float>
    if let resumed {
      run = try TrainingRun(resuming: resumed, data: train, epochs: epochs)
    } else {
      var configuration = try configuration(for: train)
      configuration.data = data.map(Files.absolute)
      configuration.test = testPath.map(Files.absolute)
      run = try TrainingRun(configuration: configuration, data: train)
    }
    let input = InputDescription(
      features: train.featureCount, featureNames: train.featureNames, labelColumn: column,
      scaling: { if case .bytes = train.features { .divideBy255 } else { .none } }())
    let checkpointPath = checkpoint ?? out
    let interruption = Interruption(checkpoint: checkpointPath, history: history, epoch: resumed == nil ? nil : run.epoch)
    interruption.install()

    let config = run.configuration
    say(describe(config, train: run.training, validation: run.validation, test: testSet, source: dataPath,
                 resumedAt: resumed?.training?.epoch))
    var historyFile = try history.map { try HistoryFile(path: $0, keepingEpochsUpTo: resumed == nil ? 0 : run.epoch) }

    var lastTest: Evaluation?
    while !run.isFinished {
      let started = ContinuousClock.now
      let epoch = run.epoch + 1
      var progress = ProgressBar(enabled: !quiet && ProgressBar.standardErrorIsTerminal)
      var runningTotal = 0.0
      let report = try run.runEpoch { done, total, cost in
        runningTotal += Double(cost)
        progress.update(epoch: epoch, of: config.epochs, done: done, total: total, loss: runningTotal / Double(done))
      }
      progress.clear()
      lastTest = report.validation == nil
        ? try testSet.map { try run.network.evaluate(on: $0, standardization: run.standardization) } : nil
      let seconds = (ContinuousClock.now - started).seconds
      try run.checkpoint(classNames: train.classNames, input: input).write(to: checkpointPath)
      interruption.completed(epoch: report.epoch)
      say(epochLine(report, test: lastTest, epochs: config.epochs, seconds: seconds))
      try historyFile?.append(HistoryFile.Epoch(
        epoch: report.epoch, trainLoss: report.trainingLoss, seconds: seconds,
        valLoss: report.validation?.loss, valAccuracy: report.validation?.accuracy,
        testLoss: lastTest?.loss, testAccuracy: lastTest?.accuracy))
    }

    if checkpointPath != out || resumed == nil && config.epochs == 0 {
      try run.checkpoint(classNames: train.classNames, input: input).write(to: out)
    }
    if let testSet {
      let evaluation = try lastTest ?? run.network.evaluate(on: testSet, standardization: run.standardization)
      print((quiet ? "" : "\n") + EvaluationReport.text(evaluation, title: "Test set"))
      try historyFile?.append(HistoryFile.Final(testLoss: evaluation.loss, testAccuracy: evaluation.accuracy))
    } else if let validation = run.validation {
      print((quiet ? "" : "\n") + EvaluationReport.text(
        try run.network.evaluate(on: validation, standardization: run.standardization), title: "Validation set"))
    }
    print((quiet ? "" : "\n") + "Saved the model after epoch \(run.epoch) to \(out)"
          + (checkpointPath != out ? " (checkpoints in \(checkpointPath))" : ""))
  }

  // MARK: Setting up

  private func configuration(for data: Dataset) throws -> TrainingConfiguration {
    let loss = try Arguments.loss(loss ?? "cross-entropy", option: "--loss")
    let sizes: [Int]
    if let layers {
      sizes = try Arguments.sizes(layers, option: "--layers")
      guard sizes[0] == data.featureCount else {
        Self.exit(withError: ValidationError("--layers \(layers): the data has \(data.featureCount) features per sample, not \(sizes[0])"))
      }
      guard sizes[sizes.count - 1] == data.classCount else {
        Self.exit(withError: ValidationError(
          "--layers \(layers): the data has \(data.classCount) classes, not \(sizes[sizes.count - 1]) outputs"))
      }
    } else {
      let hiddenSizes = try hidden.map { try Arguments.sizes($0, option: "--hidden", minimumCount: 1) } ?? [128]
      sizes = [data.featureCount] + hiddenSizes + [data.classCount]
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
    let kind = OptimizerSettings.Kind(rawValue: (optimizer ?? "sgd").lowercased())!
    let settings = OptimizerSettings(
      kind: kind, learningRate: learningRate ?? (kind == .adam ? 1e-3 : 0.1), momentum: momentum ?? 0, nesterov: nesterov)
    return TrainingConfiguration(
      sizes: sizes, activations: activations, loss: loss, optimizer: settings, batchSize: batchSize ?? 64,
      epochs: epochs ?? 5, seed: seed ?? 1, validationSplit: validationSplit ?? 0, standardize: standardize)
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
    let optimizer = c.optimizer.kind == .adam
      ? "Adam η = \(c.optimizer.learningRate) (β1 \(c.optimizer.beta1), β2 \(c.optimizer.beta2), ε \(c.optimizer.epsilon))"
      : "SGD η = \(c.optimizer.learningRate)"
        + (c.optimizer.momentum == 0 ? "" : ", \(c.optimizer.nesterov ? "Nesterov " : "")momentum μ = \(c.optimizer.momentum)")
    var sets = "\(train.count) training samples"
    if let validation { sets += ", \(validation.count) validation" }
    if let test { sets += ", \(test.count) test" }
    var text = "Training \(shape) (\(c.activations.map(\.rawValue).joined(separator: " → ")), \(c.loss.rawValue)) on \(source): \(sets)\n"
      + "\(optimizer), batch \(c.batchSize), \(c.epochs) epoch\(c.epochs == 1 ? "" : "s"), seed \(c.seed)"
      + (c.standardize ? ", standardized inputs" : "")
      + "; \(ComputeThreads.count) thread\(ComputeThreads.count == 1 ? "" : "s"), \(ComputeBackend.current)"
    if let resumedAt { text += "\nResuming after epoch \(resumedAt) from \(resume ?? "")" }
    return text
  }

  private func epochLine(_ report: EpochReport, test: Evaluation?, epochs: Int, seconds: Double) -> String {
    var parts = ["epoch \(report.epoch)/\(epochs)", "train loss \(String(format: "%.4f", report.trainingLoss))"]
    if let validation = report.validation {
      parts.append("val loss \(String(format: "%.4f", validation.loss))")
      parts.append("val accuracy \(EvaluationReport.percent(validation.accuracy))")
    }
    if let test {
      parts.append("test loss \(String(format: "%.4f", test.loss))")
      parts.append("test accuracy \(EvaluationReport.percent(test.accuracy))")
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

  /// `epoch`: the epoch the checkpoint holds already (a resumed run), or nil.
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
        let command = "backprop train --resume \(checkpoint)" + (history.map { " --history \($0)" } ?? "")
        let message = epoch.map { "\ninterrupted; \(checkpoint) holds epoch \($0): go on with `\(command)`\n" }
          ?? "\ninterrupted before the first epoch ended; nothing was saved\n"
        FileHandle.standardError.write(Data(message.utf8))
        exit(130)
      }
      source.resume()
      sources.append(source)
    }
  }
}

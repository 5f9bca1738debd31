import ArgumentParser
import Backprop

/// `backprop gradcheck`: backpropagation against finite differences, on a random network or on a saved model and
/// its data.
struct GradCheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gradcheck",
    abstract: "Check backpropagation against finite differences, in Float64, tensor by tensor.",
    discussion: """
      With MODEL: the saved network, its parameters widened exactly to Float64, on the first --samples samples of \
      its data, read as `backprop evaluate` reads them (default: the model's test set). The cost checked is the \
      mean cost over those samples, without the training run's L2 penalty (unless --l2 gives one), sample or \
      class weights, or dropout.

      Without MODEL: a network with random parameters (default initializer), a random batch of inputs in [-1, 1) \
      and targets that suit the loss (one-hot classes for cross-entropy, 0/1 for binary cross-entropy, [-1, 1) \
      for squared error).

      Every backpropagated ∂C/∂W and ∂C/∂b is compared with a fourth-order central difference. Each tensor's \
      error is ‖g − ĝ‖ / max(‖g‖, ‖ĝ‖). A parameter whose finite-difference points move a ReLU or leaky-ReLU \
      pre-activation across its kink at 0 is counted and left out. Exits with status 1 when the largest error is \
      above --tolerance.
      """)

  @Argument(help: "A model file written by `backprop train` (omit it to check a random network).")
  var model: String?

  @OptionGroup(title: "With MODEL")
  var source: ModelDataOptions

  @Option(help: ArgumentHelp("With MODEL: how many samples, the first ones of the data (default 16).", valueName: "k"))
  var samples: Int?

  @Option(help: ArgumentHelp("With MODEL: add the L2 penalty (λ/2)·Σ‖W‖² to the cost checked (default 0).", valueName: "λ"))
  var l2: Double?

  @Option(help: "Without MODEL: layer sizes n[0],…,n[L] (default 4,5,4,3).")
  var layers: String?

  @Option(help: "Without MODEL: one activation per layer, or one for all (default tanh,relu,softmax).")
  var activations: String?

  @Option(help: "Without MODEL: the cost, mean-squared-error (mse), binary-cross-entropy (bce) or cross-entropy (ce) (default cross-entropy).")
  var loss: String?

  @Option(help: "Without MODEL: the seed of the parameters and the batch (default 1).")
  var seed: UInt64?

  @Option(name: .customLong("batch-size"), help: "Without MODEL: m, the number of samples in the batch (default 8).")
  var batchSize: Int?

  @Option(help: "The largest relative error that passes.")
  var tolerance: Double = 1e-7

  @Option(help: ArgumentHelp("The finite-difference step (default 1e-5; 1e-4 with MODEL).", valueName: "h"))
  var step: Double?

  /// h: 1e-4 for a saved model, whose gradients are small once trained, so that the round-off of the
  /// differences (about ε·|z|/h) stays well below them; 1e-5 for a random network.
  private var h: Double { step ?? (model == nil ? 1e-5 : 1e-4) }

  @Flag(help: "Print a JSON report (max_relative_error, passed, tensors) instead of a table.")
  var json = false

  func validate() throws {
    guard tolerance.isFinite, tolerance > 0 else {
      throw ValidationError("--tolerance \(tolerance): expected a finite number greater than 0")
    }
    if let step, !(step.isFinite && step > 0) {
      throw ValidationError("--step \(step): expected a finite number greater than 0")
    }
    if let model {
      let randomOnly: [(String, Bool)] = [
        ("--layers", layers != nil), ("--activations", activations != nil), ("--loss", loss != nil),
        ("--seed", seed != nil), ("--batch-size", batchSize != nil),
      ]
      if let (option, _) = randomOnly.first(where: \.1) {
        throw ValidationError(
          "\(option): describes a random network to check; give it or a MODEL (\(model)), not both")
      }
      if let samples, samples < 1 { throw ValidationError("--samples \(samples): expected at least 1") }
      if let l2, !(l2.isFinite && l2 >= 0) { throw ValidationError("--l2 \(l2): expected a finite number, 0 or more") }
      return
    }
    let modelOnly: [(String, Bool)] = [
      ("--data", source.data != nil), ("--split", source.split != nil), ("--label-column", source.labelColumn != nil),
      ("--samples", samples != nil), ("--l2", l2 != nil),
    ]
    if let (option, _) = modelOnly.first(where: \.1) {
      throw ValidationError("\(option): only with a MODEL to check (backprop gradcheck MODEL \(option) …)")
    }
    if let batchSize, batchSize < 1 { throw ValidationError("--batch-size \(batchSize): expected at least 1") }
    let (sizes, activations, _) = try randomNetwork()
    guard activations.count == 1 || activations.count == sizes.count - 1 else {
      throw ValidationError(
        "--activations: \(sizes.count - 1) layers (\(layers ?? "4,5,4,3")) need \(sizes.count - 1) activations or one "
          + "for all; found \(activations.count)")
    }
  }

  /// The random network's sizes, activations (as given) and loss, with the defaults.
  private func randomNetwork() throws -> ([Int], [Activation], Loss) {
    (try Arguments.sizes(layers ?? "4,5,4,3", option: "--layers"),
     try Arguments.activations(activations ?? "tanh,relu,softmax", option: "--activations"),
     try Arguments.loss(loss ?? "cross-entropy", option: "--loss"))
  }

  func run() throws {
    let (check, report, header): (GradientCheck, Report, [String])
    do {
      (check, report, header) = try model.map(checkModel) ?? checkRandomNetwork()
    } catch let error as ValidationError {
      Self.exit(withError: error)   // data that does not fit the options: exit 64 with this command's usage
    }
    let passed = check.passed(tolerance: tolerance)
    if json {
      var report = report
      report.passed = passed
      report.maxRelativeError = check.maxRelativeError
      report.kinkCrossings = check.kinkCrossings
      report.tolerance = tolerance
      report.step = h
      report.tensors = check.tensors.map {
        .init(name: $0.name, shape: [$0.rows, $0.columns], relativeError: $0.relativeError,
              maxAbsoluteError: $0.maxAbsoluteError, gradientNorm: $0.gradientNorm, kinkCrossings: $0.kinkCrossings)
      }
      try Output.json(report)
    } else {
      header.forEach { print($0) }
      let kinks = check.kinkCrossings > 0
      print(Output.table([["tensor", "shape", "‖∂C/∂θ‖", "max |g − ĝ|", "relative error"] + (kinks ? ["kinks"] : [])]
        + check.tensors.map {
          [$0.name, "\($0.rows)×\($0.columns)", Output.magnitude($0.gradientNorm), Output.magnitude($0.maxAbsoluteError),
           Output.magnitude($0.relativeError)] + (kinks ? ["\($0.kinkCrossings)"] : [])
        }))
      if kinks {
        let total = check.tensors.reduce(0) { $0 + $1.rows * $1.columns }
        print("\(check.kinkCrossings) of \(total) parameters left out (kinks): a finite-difference point moved a "
              + "ReLU pre-activation across 0, where the cost has no derivative")
      }
      let verdict = passed ? "≤" : ">"
      print("max relative error \(Output.magnitude(check.maxRelativeError)) \(verdict) tolerance "
            + "\(Output.magnitude(tolerance)): \(passed ? "PASS" : "FAIL")")
      if let worst = check.tensors.max(by: { $0.relativeError < $1.relativeError }), !passed,
        worst.maxAbsoluteError < 1e-9
      {
        print("  \(worst.name) differs by at most \(Output.magnitude(worst.maxAbsoluteError)), the size of the finite "
              + "differences' round-off; where the gradients are this small (as in a trained model), a larger --step "
              + "(e.g. 1e-3) tells whether backpropagation is off")
      }
    }
    if !passed { throw ExitCode.failure }
  }

  /// The check of a random network, its JSON fields and the text header.
  private func checkRandomNetwork() throws -> (GradientCheck, Report, [String]) {
    let (sizes, given, loss) = try randomNetwork()
    let activations = given.count == 1 ? Array(repeating: given[0], count: sizes.count - 1) : given
    let seed = seed ?? 1, batchSize = batchSize ?? 8
    var generator = SeededGenerator(seed: seed)
    let network = try Network<Double>(sizes: sizes, activations: activations, loss: loss, using: &generator)
    let inputs = Matrix<Double>(rows: sizes[0], columns: batchSize).map { _ in generator.nextUniform(in: -1, 1) }
    let targets = randomTargets(rows: sizes[sizes.count - 1], columns: batchSize, loss: loss, using: &generator)
    let check = try GradientCheck(network: network, inputs: inputs, targets: targets, step: h)
    var report = Report(network)
    report.seed = seed
    report.batchSize = batchSize
    let header = "Gradient check: layers \(sizes.map(String.init).joined(separator: "-")), "
      + "\(activations.map(\.rawValue).joined(separator: " → ")), \(loss.rawValue), batch of \(batchSize), "
      + "seed \(seed), h = \(h)"
    return (check, report, [header])
  }

  /// The check of a saved model on its data, its JSON fields and the text header.
  private func checkModel(_ path: String) throws -> (GradientCheck, Report, [String]) {
    let saved = try SavedModel(path: path, options: source)
    let count = min(samples ?? 16, saved.data.count)
    let (inputs, targets) = try saved.network.batch(
      of: saved.data, samples: Array(0..<count), standardization: saved.file.input.standardization)
    let regularization = try Regularization(l2: l2 ?? 0)
    let check = try GradientCheck(
      network: saved.network, inputs: inputs, targets: targets, regularization: regularization, step: h)
    var report = Report(saved.network)
    report.model = path
    report.data = saved.data.source
    report.samples = count
    report.l2 = regularization.l2
    var header = [
      "Gradient check of \(path): \(saved.architecture), parameters widened to Float64, h = \(h)",
      "  data: the first \(count) sample\(count == 1 ? "" : "s") of \(saved.data.source)\(saved.dataNote)",
      "  cost: the mean \(saved.network.loss.rawValue) over them"
        + (regularization.l2 > 0 ? " + (λ/2)·Σ‖W‖² with λ = \(regularization.l2)" : ""),
    ]
    if let left = saved.trainingTermsLeftOut(l2: regularization.l2) { header.append("  " + left) }
    return (check, report, header)
  }

  private func randomTargets(rows: Int, columns: Int, loss: Loss, using generator: inout SeededGenerator) -> Matrix<Double> {
    var targets = Matrix<Double>(rows: rows, columns: columns)
    for j in 0..<columns {
      switch loss {
      case .crossEntropy:
        targets[generator.nextInt(below: rows), j] = 1
      case .binaryCrossEntropy:
        for i in 0..<rows { targets[i, j] = Double(generator.nextInt(below: 2)) }
      case .meanSquaredError:
        for i in 0..<rows { targets[i, j] = generator.nextUniform(in: -1, 1) }
      }
    }
    return targets
  }

  /// The JSON report; fields that do not apply (seed and batch size with MODEL; model, data, samples and l2
  /// without) are left out.
  struct Report: Encodable {
    struct Tensor: Encodable {
      var name: String, shape: [Int], relativeError: Double, maxAbsoluteError: Double, gradientNorm: Double
      var kinkCrossings: Int
      enum CodingKeys: String, CodingKey {
        case name, shape
        case relativeError = "relative_error", maxAbsoluteError = "max_absolute_error", gradientNorm = "gradient_norm"
        case kinkCrossings = "kink_crossings"
      }
    }
    var passed = false, maxRelativeError = 0.0, kinkCrossings = 0, tolerance = 0.0, step = 0.0
    var layers: [Int], activations: [String], loss: String
    var seed: UInt64?, batchSize: Int?
    var model: String?, data: String?, samples: Int?, l2: Double?
    var tensors: [Tensor] = []

    init(_ network: Network<Double>) {
      layers = network.sizes
      activations = network.layers.map(\.activation.rawValue)
      loss = network.loss.rawValue
    }

    enum CodingKeys: String, CodingKey {
      case passed, tolerance, step, layers, activations, loss, seed, tensors, model, data, samples, l2
      case maxRelativeError = "max_relative_error", batchSize = "batch_size", kinkCrossings = "kink_crossings"
    }
  }
}

/// `--data`, `--split` and `--label-column`, as `backprop evaluate` takes them, for the commands that read a saved
/// model's data.
struct ModelDataOptions: ParsableArguments {
  @Option(help: "An IDX directory or a CSV file. Default: the model's test set, else its training CSV, else the bundled MNIST.")
  var data: String?

  @Option(help: "For an IDX directory: train or test (default test).")
  var split: String?

  @Option(name: .customLong("label-column"), help: "The CSV label column, by name or 0-based index (default: the one used in training).")
  var labelColumn: String?

  func validate() throws {
    if let split, IDXReader.Split(rawValue: split) == nil { throw ValidationError("--split \(split): expected train or test") }
  }
}

/// A saved model with its parameters widened to Float64, and its data read the way `backprop evaluate` reads it:
/// the same target columns, task, classes, scaling and missing-value handling (the standardization is applied
/// when a batch is taken, with ``Network/batch(of:samples:standardization:)``).
struct SavedModel {
  var file: ModelFile<Float>
  var network: Network<Double>
  /// The data, prepared for the network (features checked, scaled).
  var data: Dataset

  /// Reads the model at `path`, lets `check` refuse its network before any data is read, then reads the data.
  init(path: String, options: ModelDataOptions, check: (Network<Float>) throws -> Void = { _ in }) throws {
    file = try ModelFile<Float>.read(from: path)
    try check(file.network)
    network = try Network<Double>(converting: file.network)
    let saved = file.training?.configuration
    // evaluate's default (the test set, else the bundled MNIST), and for a CSV model without a test set the
    // training file: any labelled samples will do to check or explain gradients.
    let csvDefault = file.input.scaling == .none ? saved?.test ?? saved?.data : saved?.test
    if options.data == nil, csvDefault == nil, file.input.scaling == .none {
      throw ValidationError("--data: \(path) was trained on CSV data and records no file; give one")
    }
    let dataPath = try DataLoading.resolve(options.data ?? csvDefault)
    let raw = try DataLoading.labelled(
      dataPath, like: file, split: IDXReader.Split(rawValue: options.split ?? "test")!, labelColumn: options.labelColumn)
    data = try file.input.prepare(raw)
  }

  /// `784-32-10 (relu → softmax, cross-entropy)`.
  var architecture: String {
    "\(network.sizes.map(String.init).joined(separator: "-")) "
      + "(\(network.layers.map(\.activation.rawValue).joined(separator: " → ")), \(network.loss.rawValue))"
  }

  /// How the inputs and targets were transformed, for the header: `, standardized as in training`.
  var dataNote: String {
    guard let standardization = file.input.standardization else { return "" }
    return standardization.targetMean != nil
      ? ", inputs and targets standardized as in training" : ", inputs standardized as in training"
  }

  /// The training run's cost terms the check leaves out, in a sentence; nil when there are none.
  func trainingTermsLeftOut(l2 checked: Double) -> String? {
    guard let configuration = file.training?.configuration else { return nil }
    var terms: [String] = []
    if let l2 = configuration.l2, l2 > 0, l2 != checked { terms.append("its L2 penalty λ = \(l2) (add it with --l2 \(l2))") }
    if let dropout = configuration.dropout, dropout > 0 { terms.append("dropout p = \(dropout)") }
    if configuration.classWeights != nil { terms.append("class weights") }
    if let column = configuration.sampleWeightColumn { terms.append("the sample weights of '\(column)'") }
    return terms.isEmpty ? nil : "not checked, from the training run: " + terms.joined(separator: ", ")
  }
}

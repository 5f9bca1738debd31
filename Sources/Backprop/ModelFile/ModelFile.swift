import Foundation

/// A network and what it takes to use it (class names, how inputs are scaled) or to go on training it (the
/// configuration, the optimizer's state, the step, the generator's state), as one safetensors file.
///
/// Tensors (row-major, F32 for a `Float` network, F64 for `Double`; layers counted from 0 as in the code):
///
///     layers.<l>.weight               W, shape [n[l+1], n[l]]
///     layers.<l>.bias                 b, shape [n[l+1]] (absent for a layer without biases)
///     optimizer.layers.<l>.weight.<slot>, optimizer.layers.<l>.bias.<slot>   e.g. slot m and v for Adam
///
/// `__metadata__` holds `format` = `backprop`, `format_version` = `1` and `backprop` = a JSON object described in
/// docs/model-format.md. Files are written atomically: a save interrupted at any point leaves the previous file.
public struct ModelFile<Scalar: BackpropScalar>: Sendable {
  /// The format name in `__metadata__["format"]`.
  public static var formatName: String { "backprop" }
  /// The version this code writes and the newest it reads.
  public static var formatVersion: Int { 1 }

  public var network: Network<Scalar>
  /// The name of each output class, by index; empty for a model without classes.
  public var classNames: [String]
  /// What the network expects as input.
  public var input: InputDescription
  /// The state of the run that wrote it, for `--resume`; nil for a bare model.
  public var training: TrainingState<Scalar>?

  public init(network: Network<Scalar>, classNames: [String], input: InputDescription, training: TrainingState<Scalar>? = nil) {
    self.network = network
    self.classNames = classNames
    self.input = input
    self.training = training
  }

  // MARK: Writing

  /// Writes the file atomically: a temporary file in the same folder, flushed, then renamed over `path`.
  ///
  /// - Throws: `ModelFileError` when the folder cannot be written; the previous file is then left as it was.
  public func write(to path: String) throws {
    try container().write(to: path)
  }

  /// The safetensors container this model writes: its tensors by name and its `__metadata__`.
  public func container() throws -> Safetensors {
    var tensors: [String: Safetensors.Tensor] = [:]
    for (l, layer) in network.layers.enumerated() {
      tensors["layers.\(l).weight"] = try Self.tensor(layer.weights.scalars, shape: [layer.outputs, layer.inputs])
      if layer.hasBiases { tensors["layers.\(l).bias"] = try Self.tensor(layer.biases, shape: [layer.outputs]) }
    }
    var optimizerSlots: [String] = []
    if let best = training?.best {
      for (l, layer) in best.network.layers.enumerated() {
        tensors["best.layers.\(l).weight"] = try Self.tensor(layer.weights.scalars, shape: [layer.outputs, layer.inputs])
        if layer.hasBiases { tensors["best.layers.\(l).bias"] = try Self.tensor(layer.biases, shape: [layer.outputs]) }
      }
    }
    if let training {
      optimizerSlots = try training.configuration.optimizer.stateNames()
      for (index, slots) in training.optimizerState.enumerated() where !slots.isEmpty {
        let l = index / 2, layer = network.layers[l]
        let (name, shape) = index % 2 == 0
          ? ("weight", [layer.outputs, layer.inputs]) : ("bias", [layer.outputs])
        let size = shape.reduce(1, *)
        for (s, slot) in optimizerSlots.enumerated() {
          tensors["optimizer.layers.\(l).\(name).\(slot)"] = try Self.tensor(
            Array(slots[(s * size)..<((s + 1) * size)]), shape: shape)
        }
      }
    }
    let metadata = Metadata(
      architecture: .init(
        sizes: network.sizes, activations: network.layers.map(\.activation), biases: network.layers.map(\.hasBiases),
        loss: network.loss, dtype: Self.dtype.rawValue),
      classes: classNames, input: input,
      training: training.map {
        .init(configuration: $0.configuration, epoch: $0.epoch, step: $0.step,
              generatorState: $0.generatorState.map { String($0, radix: 16) }, optimizerSlots: optimizerSlots,
              bestEpoch: $0.best?.epoch, bestLoss: $0.best?.loss, plateau: $0.plateau)
      })
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys]
    let json = String(decoding: try encoder.encode(metadata), as: UTF8.self)
    return Safetensors(
      tensors: tensors,
      metadata: ["format": Self.formatName, "format_version": "\(Self.formatVersion)", "backprop": json])
  }

  // MARK: Reading

  /// Reads and checks a model file: its format and version, every tensor's presence, shape and type against the
  /// architecture, and the training state when there is one.
  ///
  /// - Throws: `ModelFileError` naming the file and what is wrong: not a safetensors file, truncated, corrupted,
  ///   another format, a newer version, a missing or misshapen tensor.
  public static func read(from path: String) throws -> ModelFile {
    try ModelFile(Safetensors.read(from: path), file: path)
  }

  init(_ file: Safetensors, file path: String) throws {
    func fail(_ field: String, expected: String, found: String) -> ModelFileError {
      .invalidModel(file: path, field: field, expected: expected, found: found)
    }
    guard file.metadata["format"] == Self.formatName else {
      throw fail("__metadata__.format", expected: "\"\(Self.formatName)\" (a Backprop model)",
                 found: file.metadata["format"].map { "\"\($0)\"" } ?? "no format (a safetensors file from another tool?)")
    }
    guard let versionText = file.metadata["format_version"], let version = Int(versionText) else {
      throw fail("__metadata__.format_version", expected: "a whole number", found: file.metadata["format_version"] ?? "nothing")
    }
    guard version <= Self.formatVersion else {
      throw fail("__metadata__.format_version", expected: "\(Self.formatVersion) or older (this Backprop reads up to \(Self.formatVersion)); upgrade Backprop",
                 found: "\(version)")
    }
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    let metadata: Metadata
    do {
      metadata = try decoder.decode(Metadata.self, from: Data((file.metadata["backprop"] ?? "").utf8))
    } catch {
      throw fail("__metadata__.backprop", expected: "the model description as JSON", found: "\(Self.describe(error))")
    }
    let architecture = metadata.architecture
    guard architecture.dtype == Self.dtype.rawValue else {
      throw fail("architecture.dtype", expected: "\(Self.dtype.rawValue) for this network", found: architecture.dtype)
    }
    let sizes = architecture.sizes
    guard sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }), architecture.activations.count == sizes.count - 1,
          architecture.biases.count == sizes.count - 1 else {
      throw fail("architecture", expected: "sizes n[0]…n[L] and one activation and bias flag per layer",
                 found: "sizes \(sizes), \(architecture.activations.count) activations, \(architecture.biases.count) bias flags")
    }

    func values(_ name: String, shape: [Int]) throws -> [Scalar] {
      guard let tensor = file.tensors[name] else {
        throw fail(name, expected: "a tensor of shape \(shape)", found: "no such tensor")
      }
      guard tensor.shape == shape, tensor.dtype == Self.dtype else {
        throw fail(name, expected: "\(Self.dtype.rawValue) of shape \(shape)", found: "\(tensor.dtype.rawValue) of shape \(tensor.shape)")
      }
      let scalars = Self.scalars(of: tensor)
      if let bad = scalars.firstIndex(where: { !$0.isFinite }) {
        throw fail(name, expected: "finite values", found: "\(scalars[bad]) at element \(bad)")
      }
      return scalars
    }

    /// The network whose tensors are named `<prefix>layers.<l>.weight` and `.bias`.
    func readNetwork(prefix: String) throws -> Network<Scalar> {
      var layers: [Dense<Scalar>] = []
      for l in 0..<(sizes.count - 1) {
        let w = try Matrix(
          rows: sizes[l + 1], columns: sizes[l],
          scalars: values("\(prefix)layers.\(l).weight", shape: [sizes[l + 1], sizes[l]]))
        let activation = architecture.activations[l]
        layers.append(architecture.biases[l]
          ? try Dense(weights: w, biases: values("\(prefix)layers.\(l).bias", shape: [sizes[l + 1]]), activation: activation)
          : try Dense(weights: w, activation: activation))
      }
      return try Network(layers: layers, loss: architecture.loss)
    }
    do {
      network = try readNetwork(prefix: "")
    } catch let error as BackpropError {
      throw fail("architecture", expected: "a network Backprop can build", found: error.description)
    }
    guard metadata.classes.isEmpty || metadata.classes.count == sizes[sizes.count - 1] else {
      throw fail("classes", expected: "\(sizes[sizes.count - 1]) class names, one per output", found: "\(metadata.classes.count)")
    }
    classNames = metadata.classes
    input = metadata.input

    guard let record = metadata.training else {
      training = nil
      return
    }
    guard record.configuration.sizes == sizes else {
      throw fail("training.configuration.sizes", expected: "\(sizes) like the architecture", found: "\(record.configuration.sizes)")
    }
    let generatorState = record.generatorState.compactMap { UInt64($0, radix: 16) }
    guard generatorState.count == 4, generatorState.contains(where: { $0 != 0 }) else {
      throw fail("training.generator_state", expected: "four 64-bit words in hexadecimal, not all 0",
                 found: "\(record.generatorState)")
    }
    // A checkpoint that reads must resume: its configuration is checked as a new run's would be.
    do {
      try record.configuration.validate()
    } catch let error as BackpropError {
      throw fail("training.configuration", expected: "a valid training configuration", found: error.description)
    }
    let slots = try record.configuration.optimizer.stateNames()
    guard slots == record.optimizerSlots else {
      throw fail("training.optimizer_slots", expected: "\(slots) for \(record.configuration.optimizer.kind.rawValue)",
                 found: "\(record.optimizerSlots)")
    }
    var optimizerState: [[Scalar]] = []
    for (l, layer) in network.layers.enumerated() {
      for (name, shape) in [("weight", [layer.outputs, layer.inputs]), ("bias", layer.hasBiases ? [layer.outputs] : [])] {
        guard !shape.isEmpty else { optimizerState.append([]); continue }
        optimizerState.append(try slots.flatMap { try values("optimizer.layers.\(l).\(name).\($0)", shape: shape) })
      }
    }
    var best: BestEpoch<Scalar>?
    if let bestEpoch = record.bestEpoch {
      guard let loss = record.bestLoss, loss.isFinite, (1...max(record.epoch, 1)).contains(bestEpoch) else {
        throw fail("training.best_loss", expected: "a finite loss for best epoch \(bestEpoch) of \(record.epoch)",
                   found: "\(record.bestLoss.map { "\($0)" } ?? "none")")
      }
      best = BestEpoch(epoch: bestEpoch, loss: loss, network: try readNetwork(prefix: "best."))
    }
    training = TrainingState(
      configuration: record.configuration, epoch: record.epoch, step: record.step, generatorState: generatorState,
      optimizerState: optimizerState, best: best, plateau: record.plateau)
  }

  // MARK: Tensors

  static var dtype: Safetensors.DType { Scalar.self == Double.self ? .f64 : .f32 }

  static func tensor(_ values: [Scalar], shape: [Int]) throws -> Safetensors.Tensor {
    Scalar.self == Double.self
      ? try Safetensors.Tensor(doubles: values.map { Double($0) }, shape: shape)
      : try Safetensors.Tensor(floats: values.map { Float($0) }, shape: shape)
  }

  static func scalars(of tensor: Safetensors.Tensor) -> [Scalar] {
    if let floats = tensor.floats { return floats.map { Scalar($0) } }
    return (tensor.doubles ?? []).map { Scalar($0) }
  }

  static func describe(_ error: Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, let context):
      return "no \"\(key.stringValue)\" at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
    case DecodingError.typeMismatch(_, let context), DecodingError.dataCorrupted(let context):
      return "\(context.debugDescription) at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
    default:
      return "\(error)"
    }
  }
}

/// How raw inputs become the network's A[0].
public struct InputDescription: Codable, Sendable, Equatable {
  /// How raw values are scaled before standardization.
  public enum Scaling: String, Codable, Sendable {
    /// Used as they are (CSV features).
    case none
    /// Divided by 255 (image bytes, so pixels lie in [0, 1]).
    case divideBy255 = "divide-by-255"
  }

  /// n[0].
  public var features: Int
  /// The CSV column names of the features, or empty.
  public var featureNames: [String]
  /// The CSV column that held the labels, so `predict` can ignore it; nil for images.
  public var labelColumn: String?
  public var scaling: Scaling
  /// μ and s applied after scaling, when the model was trained with `--standardize`.
  public var standardization: Standardization?
  /// What the outputs mean; nil in files written before it was recorded, which are classifiers.
  public var task: Task?
  /// The CSV target columns (regression and multi-label; for classification, `labelColumn`).
  public var targetColumns: [String]?
  /// How missing feature cells were handled in training, and for ``CSVReader/MissingValues/mean`` the value per
  /// feature they got: `predict` fills new data the same way.
  public var missing: CSVReader.MissingValues?
  public var fill: [Float]?

  /// CSV columns that are neither features nor targets (a sample-weight column): `evaluate` and `predict` leave
  /// them out of the features when the input has them.
  public var ignoredColumns: [String]?

  /// The task, for files that predate its recording too.
  public var outputTask: Task { task ?? .classification }

  public init(
    features: Int, featureNames: [String] = [], labelColumn: String? = nil, scaling: Scaling,
    standardization: Standardization? = nil
  ) {
    self.features = features
    self.featureNames = featureNames
    self.labelColumn = labelColumn
    self.scaling = scaling
    self.standardization = standardization
  }
}

/// Where a training run stands: enough to resume it and end on the same bits.
public struct TrainingState<Scalar: BackpropScalar>: Sendable {
  public var configuration: TrainingConfiguration
  /// Epochs completed.
  public var epoch: Int
  /// t, the optimizer steps taken.
  public var step: Int
  /// The ``SeededGenerator``'s state after the last completed epoch.
  public var generatorState: [UInt64]
  /// The optimizer's slots per parameter tensor, W[1], b[1], W[2], … (see ``Trainer/state``).
  public var optimizerState: [[Scalar]]
  /// With early stopping: the epoch with the lowest validation loss so far, that loss, and the network then.
  public var best: BestEpoch<Scalar>?
  /// With a plateau schedule: where it stands.
  public var plateau: PlateauState?

  public init(
    configuration: TrainingConfiguration, epoch: Int, step: Int, generatorState: [UInt64], optimizerState: [[Scalar]],
    best: BestEpoch<Scalar>? = nil, plateau: PlateauState? = nil
  ) {
    self.configuration = configuration
    self.epoch = epoch
    self.step = step
    self.generatorState = generatorState
    self.optimizerState = optimizerState
    self.best = best
    self.plateau = plateau
  }
}

/// The epoch early stopping would go back to: the lowest validation loss so far.
public struct BestEpoch<Scalar: BackpropScalar>: Sendable {
  public var epoch: Int
  public var loss: Double
  public var network: Network<Scalar>

  public init(epoch: Int, loss: Double, network: Network<Scalar>) {
    self.epoch = epoch
    self.loss = loss
    self.network = network
  }
}

/// The JSON in `__metadata__["backprop"]` (keys in snake_case).
struct Metadata: Codable {
  struct Architecture: Codable {
    var sizes: [Int]
    var activations: [Activation]
    var biases: [Bool]
    var loss: Loss
    var dtype: String
  }
  struct Training: Codable {
    var configuration: TrainingConfiguration
    var epoch: Int
    var step: Int
    var generatorState: [String]
    var optimizerSlots: [String]
    /// Early stopping's best epoch and its validation loss (its parameters are the `best.` tensors).
    var bestEpoch: Int?
    var bestLoss: Double?
    var plateau: PlateauState?
  }
  var architecture: Architecture
  var classes: [String]
  var input: InputDescription
  var training: Training?
}

extension InputDescription {
  /// `data` with its features in the form the model was trained on: CSV values of a model trained on image bytes
  /// are divided by 255, and image bytes for a model trained on raw values become those raw values.
  ///
  /// - Throws: `BackpropError.shapeMismatch` when the number of features differs, or CSV column names differ from
  ///   the ones the model was trained with (naming the first that differs).
  public func prepare(_ data: Dataset) throws -> Dataset {
    var data = data
    for column in ignoredColumns ?? [] where data.featureNames.contains(column) && data.featureCount > 1 {
      data = try data.removingFeature(named: column).dataset
    }
    guard data.featureCount == features else {
      throw BackpropError.shapeMismatch(
        context: "\(data.source)", expected: "\(features) features per sample, as the model was trained with",
        found: "\(data.featureCount)")
    }
    if !featureNames.isEmpty, !data.featureNames.isEmpty, data.featureNames != featureNames {
      let index = zip(featureNames, data.featureNames).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? 0
      throw BackpropError.shapeMismatch(
        context: "\(data.source), feature column \(index + 1)", expected: "'\(featureNames[index])' as in training",
        found: "'\(data.featureNames[index])'")
    }
    var prepared = data
    switch (scaling, data.features) {
    case (.divideBy255, .floats(let values)): prepared.features = .floats(values.map { $0 / 255 })
    case (.none, .bytes(let bytes)): prepared.features = .floats(bytes.map(Float.init))
    default: break
    }
    return prepared
  }
}

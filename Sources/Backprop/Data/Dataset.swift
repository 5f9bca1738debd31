/// A labelled data set in memory: N samples of n features, each sample's features contiguous (as IDX and CSV
/// files store them), and a class label per sample.
///
/// Images stay as bytes (a quarter of the memory of `Float`) and become pixel/255 ∈ [0, 1] only when a batch is
/// gathered; CSV features are kept as `Float`. A batch is gathered as the columns of a `Workspace`'s A[0], in the
/// order of a shuffled index list, with the labels one-hot as Y.
public struct Dataset: Sendable {
  /// The feature values, sample after sample: sample i is elements i·featureCount ..< (i+1)·featureCount.
  public enum Features: Sendable, Equatable {
    /// Unsigned bytes (IDX images), read as value/255.
    case bytes([UInt8])
    /// Real values (CSV columns).
    case floats([Float])
  }

  /// The features.
  public var features: Features
  /// N, the number of samples.
  public let count: Int
  /// n[0], the number of features per sample (784 for MNIST).
  public let featureCount: Int
  /// The class of each sample, an index into `classNames`; nil for inputs without labels (`predict`).
  public var labels: [Int]?
  /// The name of each class, by index: "0"…"9" for MNIST, or a CSV's label strings.
  public var classNames: [String]
  /// The names of the features (CSV header), or empty.
  public var featureNames: [String]
  /// Where the samples came from, for messages: a file path or two.
  public var source: String
  /// What the targets are: `.classification` for `labels`, `.regression` or `.multiLabel` for `targetValues`.
  public var task: Task = .classification
  /// Real-valued targets, `targetNames.count` per sample, sample after sample: the values to fit (regression) or
  /// 0/1 per label (multi-label); nil for class labels or unlabelled inputs. Set with ``setTargets(_:names:task:)``.
  public private(set) var targetValues: [Float]?
  /// The target columns' names, one per output (regression and multi-label).
  public private(set) var targetNames: [String] = []
  /// A weight w ≥ 0 per sample for training, or nil for all alike: each batch's cost is then Σ w_j·C_j / Σ w_j.
  /// Set with ``setSampleWeights(_:)``, or from class weights with ``weighted(by:)``.
  public private(set) var sampleWeights: [Float]?

  /// Whether the samples have targets of any kind, class labels or values.
  public var hasTargets: Bool { labels != nil || targetValues != nil }

  /// A data set from its parts.
  ///
  /// - Throws: `DataError.inconsistent` when the counts do not fit together or a label is outside
  ///   0..<classNames.count.
  public init(
    features: Features, count: Int, featureCount: Int, labels: [Int]?, classNames: [String],
    featureNames: [String] = [], source: String
  ) throws {
    let stored: Int
    switch features {
    case .bytes(let bytes): stored = bytes.count
    case .floats(let floats): stored = floats.count
    }
    guard count >= 0, featureCount > 0, stored == count * featureCount else {
      throw DataError.inconsistent(
        source: source, detail: "expected \(count) samples × \(featureCount) features = \(count * max(featureCount, 0)) values, found \(stored)")
    }
    if let labels {
      guard labels.count == count else {
        throw DataError.inconsistent(source: source, detail: "expected \(count) labels, one per sample, found \(labels.count)")
      }
      if let index = labels.firstIndex(where: { $0 < 0 || $0 >= classNames.count }) {
        throw DataError.inconsistent(
          source: source,
          detail: "sample \(index + 1) has label \(labels[index]), outside the \(classNames.count) classes 0…\(classNames.count - 1)")
      }
    }
    self.features = features
    self.count = count
    self.featureCount = featureCount
    self.labels = labels
    self.classNames = classNames
    self.featureNames = featureNames
    self.source = source
  }

  /// The number of classes.
  public var classCount: Int { classNames.count }

  /// The number of outputs the targets need: one per class, or one per target column.
  public var outputCount: Int { targetValues == nil ? classCount : targetNames.count }

  /// The samples without targets of any kind (for prediction).
  public mutating func removeTargets() {
    labels = nil
    targetValues = nil
    targetNames = []
  }

  /// Gives the samples real-valued targets (regression, or 0/1 labels for multi-label), `names.count` per sample;
  /// class labels are removed.
  ///
  /// - Throws: `DataError.inconsistent` when there are not `names.count` finite values per sample, or a
  ///   multi-label target is not 0 or 1.
  public mutating func setTargets(_ values: [Float], names: [String], task: Task) throws {
    guard !names.isEmpty, values.count == count * names.count else {
      throw DataError.inconsistent(
        source: source, detail: "expected \(count) samples × \(names.count) targets = \(count * names.count) values, found \(values.count)")
    }
    if let bad = values.firstIndex(where: { !$0.isFinite || (task == .multiLabel && $0 != 0 && $0 != 1) }) {
      throw DataError.inconsistent(
        source: source,
        detail: "sample \(bad / names.count + 1), target \(quotedExcerpt(names[bad % names.count])): expected \(task == .multiLabel ? "0 or 1" : "a finite number"), found \(values[bad])")
    }
    labels = nil
    targetValues = values
    targetNames = names
    self.task = task
  }

  /// Gives each sample a training weight (nil: none), as ``sampleWeights`` describes.
  ///
  /// - Throws: `DataError.inconsistent` unless there is one finite weight ≥ 0 per sample, and at least one above 0.
  public mutating func setSampleWeights(_ weights: [Float]?) throws {
    if let weights, let problem = sampleWeightProblem(weights, count: count, requirePositive: true) {
      throw DataError.inconsistent(source: source, detail: "sample weights: expected \(problem)")
    }
    sampleWeights = weights
  }

  /// The samples at `indices`, as a new data set (for a validation split or a subset).
  public func subset(_ indices: [Int]) -> Dataset {
    var copy = self
    switch features {
    case .bytes(let bytes):
      var picked: [UInt8] = []
      picked.reserveCapacity(indices.count * featureCount)
      for i in indices { picked += bytes[(i * featureCount)..<((i + 1) * featureCount)] }
      copy.features = .bytes(picked)
    case .floats(let floats):
      var picked: [Float] = []
      picked.reserveCapacity(indices.count * featureCount)
      for i in indices { picked += floats[(i * featureCount)..<((i + 1) * featureCount)] }
      copy.features = .floats(picked)
    }
    copy.labels = labels.map { labels in indices.map { labels[$0] } }
    copy.sampleWeights = sampleWeights.map { weights in indices.map { weights[$0] } }
    copy.targetValues = targetValues.map { values in
      let t = targetNames.count
      return indices.flatMap { values[($0 * t)..<(($0 + 1) * t)] }
    }
    return Dataset(unchecked: copy, count: indices.count)
  }

  private init(unchecked dataset: Dataset, count: Int) {
    self.features = dataset.features
    self.count = count
    self.featureCount = dataset.featureCount
    self.labels = dataset.labels
    self.classNames = dataset.classNames
    self.featureNames = dataset.featureNames
    self.source = dataset.source
    self.task = dataset.task
    self.targetValues = dataset.targetValues
    self.targetNames = dataset.targetNames
    self.sampleWeights = dataset.sampleWeights
  }
}

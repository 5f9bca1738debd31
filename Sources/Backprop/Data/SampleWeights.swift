/// Weights per class for training, turned into one weight per sample by ``Dataset/weighted(by:)``.
///
/// In a file (the training configuration) `balanced` is the string `"balanced"`, and weights by name an array of
/// `{"class": name, "weight": w}` objects in the order given.
public enum ClassWeights: Sendable, Equatable, Codable {
  /// scikit-learn's `class_weight="balanced"`: w_c = N / (K · N_c), with N the samples, N_c those of class c and K
  /// the number of classes that occur. Every class then weighs the same in total, N / K.
  case balanced
  /// A weight per class, by name; a class not named weighs 1 (as in scikit-learn).
  case byName([Entry])

  /// One class's weight.
  public struct Entry: Sendable, Equatable, Codable {
    public var `class`: String
    public var weight: Double

    public init(class name: String, weight: Double) {
      self.class = name
      self.weight = weight
    }
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let name = try? container.decode(String.self) {
      guard name == "balanced" else {
        throw DecodingError.dataCorruptedError(
          in: container, debugDescription: "class weights: expected \"balanced\" or a list of classes and weights, found \"\(name)\"")
      }
      self = .balanced
    } else {
      self = .byName(try container.decode([Entry].self))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .balanced: try container.encode("balanced")
    case .byName(let entries): try container.encode(entries)
    }
  }
}

extension Dataset {
  /// The weight of each class, by index, for `classWeights` on these samples' labels (see ``ClassWeights``). A
  /// class without samples gets 0 under `.balanced` (it weighs nothing anyway).
  ///
  /// - Throws: `BackpropError.invalidArgument` when the samples have no class labels, a name is not one of the
  ///   classes or is named twice, or a weight is negative or not finite.
  public func classWeights(_ classWeights: ClassWeights) throws -> [Double] {
    guard let labels else {
      throw BackpropError.invalidArgument(
        name: "class weights", value: source, expected: "samples with class labels (a classification data set)")
    }
    switch classWeights {
    case .balanced:
      var counts = [Int](repeating: 0, count: classCount)
      for label in labels { counts[label] += 1 }
      let present = Double(counts.filter { $0 > 0 }.count)
      return counts.map { $0 == 0 ? 0 : Double(labels.count) / (present * Double($0)) }
    case .byName(let entries):
      var weights = [Double](repeating: 1, count: classCount)
      var seen = Set<String>()
      for entry in entries {
        guard let index = classNames.firstIndex(of: entry.class) else {
          throw BackpropError.invalidArgument(
            name: "class weights", value: quotedExcerpt(entry.class),
            expected: "one of the classes \(classNames.map { quotedExcerpt($0) }.joined(separator: ", "))")
        }
        guard seen.insert(entry.class).inserted else {
          throw BackpropError.invalidArgument(name: "class weights", value: "\(quotedExcerpt(entry.class)) twice", expected: "each class once")
        }
        guard entry.weight.isFinite, entry.weight >= 0 else {
          throw BackpropError.invalidArgument(
            name: "class weight of \(quotedExcerpt(entry.class))", value: "\(entry.weight)", expected: "a finite number, 0 or more")
        }
        weights[index] = entry.weight
      }
      return weights
    }
  }

  /// The samples with the weight of their class (``classWeights(_:)``) as their sample weight, times the
  /// sample weight they already had, if any (as Keras combines `class_weight` and `sample_weight`).
  ///
  /// - Throws: as ``classWeights(_:)``, and `DataError.inconsistent` when every sample ends up weighing 0.
  public func weighted(by classWeights: ClassWeights) throws -> Dataset {
    let perClass = try self.classWeights(classWeights)
    let labels = labels!
    var weights = [Float](repeating: 0, count: count)
    for i in 0..<count {
      weights[i] = Float(perClass[labels[i]]) * (sampleWeights?[i] ?? 1)
    }
    var copy = self
    try copy.setSampleWeights(weights)
    return copy
  }

  /// The feature column `name` taken out of the samples: its values (one per sample) and the data set without it,
  /// e.g. a CSV column of sample weights. Everything else is kept, sample weights and targets included.
  ///
  /// - Throws: `BackpropError.invalidArgument` when no feature has that name (image data has no named features),
  ///   or it is the only feature.
  public func removingFeature(named name: String) throws -> (dataset: Dataset, values: [Float]) {
    guard let column = featureNames.firstIndex(of: name), case .floats(let floats) = features else {
      throw BackpropError.invalidArgument(
        name: "column", value: quotedExcerpt(name),
        expected: featureNames.isEmpty
          ? "a named CSV column; \(source) has no column names"
          : "one of the feature columns of \(source): \(featureNames.joined(separator: ", "))")
    }
    guard featureCount > 1 else {
      throw BackpropError.invalidArgument(
        name: "column", value: quotedExcerpt(name), expected: "a column besides the only feature of \(source)")
    }
    var kept: [Float] = []
    kept.reserveCapacity(count * (featureCount - 1))
    var values: [Float] = []
    values.reserveCapacity(count)
    for i in 0..<count {
      let row = (i * featureCount)..<((i + 1) * featureCount)
      kept += floats[row.lowerBound..<(row.lowerBound + column)]
      values.append(floats[row.lowerBound + column])
      kept += floats[(row.lowerBound + column + 1)..<row.upperBound]
    }
    var names = featureNames
    names.remove(at: column)
    var copy = try Dataset(
      features: .floats(kept), count: count, featureCount: featureCount - 1, labels: labels, classNames: classNames,
      featureNames: names, source: source)
    if let targetValues { try copy.setTargets(targetValues, names: targetNames, task: task) }
    copy.task = task
    try copy.setSampleWeights(sampleWeights)
    return (copy, values)
  }
}

/// What `weights` lack to weight `count` samples, as a phrase that follows "expected", or nil when they fit: one
/// finite w ≥ 0 per sample (and, with `requirePositive`, at least one above 0).
func sampleWeightProblem<Weight: BinaryFloatingPoint>(_ weights: [Weight], count: Int, requirePositive: Bool) -> String? {
  guard weights.count == count else { return "one weight per sample, \(count), not \(weights.count)" }
  if let i = weights.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
    return "finite weights, 0 or more (sample \(i + 1) has \(Double(weights[i])))"
  }
  if requirePositive, !weights.contains(where: { $0 > 0 }) {
    return "at least one weight above 0 (every one is 0)"
  }
  return nil
}

/// How a network does on data with targets: the cost, and for a classifier the accuracy and the confusion matrix,
/// with precision and recall per class; for regression and multi-label data, ``regression`` or ``multiLabel``.
public struct Evaluation: Sendable, Equatable {
  /// The mean cost C over the samples (for regression, on the standardized targets the network fits).
  public var loss: Double
  /// `confusionMatrix[t][p]` counts the samples of true class t predicted as class p (rows = true class); empty
  /// for regression and multi-label data.
  public var confusionMatrix: [[Int]]
  /// The class names, by index.
  public var classNames: [String]
  /// MAE, RMSE and R² per target, for regression data.
  public var regression: RegressionMetrics?
  /// Per-label figures, for multi-label data.
  public var multiLabel: MultiLabelMetrics?

  public init(
    loss: Double, confusionMatrix: [[Int]], classNames: [String], regression: RegressionMetrics? = nil,
    multiLabel: MultiLabelMetrics? = nil
  ) {
    self.loss = loss
    self.confusionMatrix = confusionMatrix
    self.classNames = classNames
    self.regression = regression
    self.multiLabel = multiLabel
  }

  /// The number of samples.
  public var count: Int {
    regression?.count ?? multiLabel?.count ?? confusionMatrix.reduce(0) { $0 + $1.reduce(0, +) }
  }

  /// The fraction predicted correctly: the diagonal over the total; for multi-label data, the fraction of the
  /// yes/no decisions that are right; 0 for regression.
  public var accuracy: Double {
    if let multiLabel { return multiLabel.labelAccuracy }
    let classified = confusionMatrix.reduce(0) { $0 + $1.reduce(0, +) }
    return classified == 0 ? 0 : Double(confusionMatrix.indices.reduce(0) { $0 + confusionMatrix[$1][$1] }) / Double(classified)
  }

  /// Of the samples predicted as class c, the fraction that are c; nil when none was predicted as c.
  public func precision(of c: Int) -> Double? {
    let predicted = confusionMatrix.reduce(0) { $0 + $1[c] }
    return predicted == 0 ? nil : Double(confusionMatrix[c][c]) / Double(predicted)
  }

  /// Of the samples of class c, the fraction predicted as c; nil when there are none.
  public func recall(of c: Int) -> Double? {
    let actual = confusionMatrix[c].reduce(0, +)
    return actual == 0 ? nil : Double(confusionMatrix[c][c]) / Double(actual)
  }
}

extension Network {
  /// The cost, accuracy and confusion matrix on labelled `data`, by forward passes over batches of `batchSize`.
  /// The predicted class of a sample is its largest output (the first on a tie).
  ///
  /// - Throws: `BackpropError` when the data does not fit the network or has no labels.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func evaluate(on data: Dataset, standardization: Standardization? = nil, batchSize: Int = 1000) throws -> Evaluation {
    try check(data, standardization: standardization)
    if data.targetValues != nil {
      return try evaluateTargetValues(on: data, standardization: standardization, batchSize: batchSize)
    }
    guard let labels = data.labels else {
      throw BackpropError.invalidArgument(name: "data", value: data.source, expected: "labelled samples to evaluate on")
    }
    let classes = layers[layers.count - 1].outputs
    var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
    var total = 0.0
    try forEachBatch(of: data, standardization: standardization, batchSize: batchSize) { workspace, indices in
      total += Double(workspace.cost()) * Double(indices.count)
      let output = workspace.a[layers.count - 1], m = workspace.m
      for (j, sample) in indices.enumerated() {
        confusion[labels[sample]][Self.argmax(output, column: j, rows: classes, columns: m)] += 1
      }
    }
    return Evaluation(loss: total / Double(data.count), confusionMatrix: confusion, classNames: data.classNames)
  }

  /// The outputs ŷ for every sample of `data` (n[L] × N, one column per sample, in the data's order).
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func predict(_ data: Dataset, standardization: Standardization? = nil, batchSize: Int = 1000) throws -> Matrix<Scalar> {
    var unlabelled = data
    unlabelled.labels = nil
    try check(unlabelled, standardization: standardization)
    let outputs = layers[layers.count - 1].outputs
    var result = Matrix<Scalar>(rows: outputs, columns: data.count)
    let count = data.count
    try result.withUnsafeMutableBufferPointer { result in
      try forEachBatch(of: unlabelled, standardization: standardization, batchSize: batchSize) { workspace, indices in
        let output = workspace.a[layers.count - 1], m = workspace.m
        for k in 0..<outputs {
          (result.baseAddress! + k * count + indices.first!).update(from: output + k * m, count: m)
        }
      }
    }
    return result
  }

  /// Runs the forward pass over `data` in order, batch by batch, and hands each batch's workspace to `body`, with
  /// the network's parameters still bound in it.
  func forEachBatch(
    of data: Dataset, standardization: Standardization?, batchSize: Int,
    _ body: (Workspace<Scalar>, ArraySlice<Int>) throws -> Void
  ) throws {
    guard batchSize > 0 else {
      throw BackpropError.invalidArgument(name: "batch size", value: "\(batchSize)", expected: "at least 1")
    }
    guard data.count > 0 else { return }
    let workspace = Workspace<Scalar>(sizes: sizes, capacity: min(batchSize, data.count))
    workspace.noteFiniteWeights(of: self)
    if batchSize == 1 { workspace.storeTransposedWeights(of: self) }
    let order = Array(0..<data.count)
    // Bytes only scaled to [0, 1]: the first product is packed straight from them, which saves writing and
    // reading back X (a sixth of inference on MNIST in batches of 1000).
    if batchSize > 1 { workspace.inputBytes = data.bytesToPack(as: Scalar.self, standardization: standardization) }
    // One binding for every batch: `body` reads the batch's outputs and may run the workspace's cost.
    try withParameters(boundIn: workspace) {
      var start = 0
      while start < data.count {
        let indices = order[start..<min(start + batchSize, data.count)]
        workspace.gather(data, indices: indices, standardization: standardization)
        workspace.forward()
        try body(workspace, indices)
        start += indices.count
      }
    }
  }

  static func argmax(_ output: UnsafeMutablePointer<Scalar>, column j: Int, rows: Int, columns m: Int) -> Int {
    var best = 0
    for k in 1..<max(rows, 1) where output[k * m + j] > output[best * m + j] { best = k }
    return best
  }
}

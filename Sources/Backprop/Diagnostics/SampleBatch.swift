extension Network {
  /// `other` with every parameter converted to `Scalar`: exact from `Float` to `Double` (every `Float` is a
  /// `Double`), so a saved `Float` model can be checked and explained in Float64 with its own parameters.
  ///
  /// - Throws: `BackpropError.notFinite` when a parameter does not fit `Scalar` (narrowing a huge `Double`).
  public init<Other: BackpropScalar>(converting other: Network<Other>) throws {
    try self.init(
      layers: other.layers.map { layer in
        let weights = try Matrix<Scalar>(
          rows: layer.outputs, columns: layer.inputs, scalars: layer.weights.scalars.map { Scalar($0) })
        return layer.hasBiases
          ? try Dense(weights: weights, biases: layer.biases.map { Scalar($0) }, activation: layer.activation)
          : try Dense(weights: weights, activation: layer.activation)
      },
      loss: other.loss)
  }

  /// The samples `indices` of `data` as this network reads them when it is evaluated: the inputs X (n[0] × m, one
  /// column per sample, image bytes divided by 255, then standardized by `standardization` when given) and the
  /// targets Y (n[L] × m: the labels one-hot, or the target values, standardized for regression when
  /// `standardization` has the targets' μ and s). The same gather as training and ``evaluate(on:standardization:batchSize:)``.
  ///
  /// - Throws: `BackpropError` when the data does not fit the network, has no targets, or an index is out of range.
  public func batch(
    of data: Dataset, samples indices: [Int], standardization: Standardization? = nil
  ) throws -> (inputs: Matrix<Scalar>, targets: Matrix<Scalar>) {
    try check(data, standardization: standardization)
    guard data.hasTargets else {
      throw BackpropError.invalidArgument(name: "data", value: data.source, expected: "samples with targets or labels")
    }
    guard !indices.isEmpty else {
      throw BackpropError.invalidArgument(name: "samples", value: "[]", expected: "at least one sample")
    }
    if let bad = indices.first(where: { !(0..<data.count).contains($0) }) {
      throw BackpropError.invalidArgument(
        name: "sample", value: "\(bad)", expected: "an index in 0..<\(data.count), the samples of \(data.source)")
    }
    let workspace = Workspace<Scalar>(sizes: sizes, capacity: indices.count)
    workspace.gather(data, indices: indices[...], standardization: standardization)
    return (workspace.copy(workspace.x, rows: sizes[0]), workspace.copy(workspace.y, rows: sizes[sizes.count - 1]))
  }
}

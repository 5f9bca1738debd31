import CBackpropKernels

extension Workspace {

  /// Gathers the samples `indices` of `dataset` as the batch: A[0] gets one column per sample (bytes scaled to
  /// [0, 1], then standardized if asked), and Y the one-hot labels when the data set has them. While
  /// ``inputBytes`` is set, A[0] is left alone: the first layer's products read the samples' bytes at `offsets`.
  func gather(_ dataset: Dataset, indices: ArraySlice<Int>, standardization: Standardization?) {
    precondition(indices.count <= capacity, "batch larger than the workspace")
    m = indices.count
    let n = dataset.featureCount
    // Loops over buffers here and below, not over the slice or `enumerated()`, so that even an unoptimized build
    // gathers without allocating (generic collection accessors may allocate when not specialized).
    indices.withUnsafeBufferPointer { samples in
      for j in 0..<m { offsets[j] = samples[j] * n }
    }
    if inputBytes == nil { gatherInputs(dataset, standardization: standardization) }
    if let values = dataset.targetValues {
      gatherTargets(values, width: dataset.targetNames.count, indices: indices, standardization: standardization)
    }
    guard let labels = dataset.labels else { return }
    let classes = sizes[sizes.count - 1]
    y.update(repeating: 0, count: classes * m)
    indices.withUnsafeBufferPointer { samples in
      labels.withUnsafeBufferPointer { labels in
        for j in 0..<m { y[labels[samples[j]] * m + j] = 1 }
      }
    }
  }

  /// A[0] from the samples at `offsets`.
  private func gatherInputs(_ dataset: Dataset, standardization: Standardization?) {
    let n = dataset.featureCount
    switch dataset.features {
    case .bytes(let bytes) where Scalar.self == Float.self:
      // The C gather: 8 × 8 blocks converted and transposed in registers, split over the threads.
      bytes.withUnsafeBufferPointer { source in
        bp_gather_bytes(source.baseAddress!, offsets, Int32(m), Int32(n), 255,
                        UnsafeMutableRawPointer(x).assumingMemoryBound(to: Float.self), Int32(m))
      }
    case .bytes(let bytes):
      // Samples go in blocks of 16 columns, so each row of A[0] is written a cache line at a time while the 16
      // sample rows are read in order; each byte becomes the correctly rounded b/255. (Divided in place: a table
      // of the 256 quotients in Double is 2 KiB, which withUnsafeTemporaryAllocation puts on the heap.)
      bytes.withUnsafeBufferPointer { source in
        for start in stride(from: 0, to: m, by: 16) {
          for k in 0..<n {
            let row = x + k * m
            for j in start..<min(start + 16, m) { row[j] = Scalar(source[offsets[j] + k]) / 255 }
          }
        }
      }
    case .floats(let floats):
      floats.withUnsafeBufferPointer { source in
        for start in stride(from: 0, to: m, by: 16) {
          for k in 0..<n {
            let row = x + k * m
            for j in start..<min(start + 16, m) { row[j] = Scalar(source[offsets[j] + k]) }
          }
        }
      }
    }
    if let standardization {
      for k in 0..<n {
        let mu = Scalar(standardization.mean[k]), s = Scalar(standardization.scale[k])
        let row = x + k * m
        for j in 0..<m { row[j] = (row[j] - mu) / s }
      }
    }
  }
}

extension Dataset {
  /// The samples' bytes, when a `Scalar` network's first layer can pack X straight from them instead of reading a
  /// gathered A[0] (`bp_sgemm_bytes`, the same bits): `Float` on the native kernels, and bytes that are only
  /// scaled to [0, 1], not standardized. Nil otherwise.
  func bytesToPack<Scalar: BackpropScalar>(as scalar: Scalar.Type, standardization: Standardization?) -> [UInt8]? {
    guard Scalar.self == Float.self, standardization == nil, Kernels.floatProductsAreNative,
      case .bytes(let bytes) = features, !bytes.isEmpty
    else { return nil }
    return bytes
  }
}

extension Workspace {
  /// Y[k, j] = the target k of sample j, standardized when the standardization has the targets' μ and s.
  private func gatherTargets(
    _ values: [Float], width t: Int, indices: ArraySlice<Int>, standardization: Standardization?
  ) {
    let mean = standardization?.targetMean, scale = standardization?.targetScale
    indices.withUnsafeBufferPointer { samples in
      values.withUnsafeBufferPointer { values in
        for k in 0..<t {
          let mu = mean.map { Scalar($0[k]) } ?? 0, s = scale.map { Scalar($0[k]) } ?? 1
          let row = y + k * m
          for j in 0..<m { row[j] = (Scalar(values[samples[j] * t + k]) - mu) / s }
        }
      }
    }
  }
}

extension Network {
  /// Checks that `dataset` fits: n[0] features and, when it has labels, n[L] classes.
  func check(_ dataset: Dataset, standardization: Standardization?) throws {
    guard dataset.featureCount == layers[0].inputs else {
      throw BackpropError.shapeMismatch(
        context: "layer 1, Z = W·A_prev with W of shape \(layers[0].weights.shape)",
        expected: "samples of \(layers[0].inputs) features", found: "\(dataset.featureCount) features in \(dataset.source)")
    }
    if dataset.targetValues != nil, dataset.outputCount != layers[layers.count - 1].outputs {
      throw BackpropError.shapeMismatch(
        context: "layer \(layers.count) (output)", expected: "\(layers[layers.count - 1].outputs) targets, one per output",
        found: "\(dataset.outputCount) target columns in \(dataset.source)")
    }
    if dataset.labels != nil, dataset.classCount != layers[layers.count - 1].outputs {
      throw BackpropError.shapeMismatch(
        context: "layer \(layers.count) (output)", expected: "\(layers[layers.count - 1].outputs) classes, one per output",
        found: "\(dataset.classCount) classes in \(dataset.source)")
    }
    if let standardization, standardization.mean.count != dataset.featureCount || standardization.scale.count != dataset.featureCount {
      throw BackpropError.shapeMismatch(
        context: "standardization", expected: "\(dataset.featureCount) means and scales",
        found: "\(standardization.mean.count) and \(standardization.scale.count)")
    }
  }
}

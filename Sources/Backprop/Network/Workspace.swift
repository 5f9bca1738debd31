/// Every buffer one pass needs (the batch X and Y, then Z[l], A[l], δ[l], dW[l] and db[l] per layer), carved out
/// of one allocation made once for a network and a largest batch size (and one more for the batch's sample offsets).
///
/// A batch of m ≤ `capacity` columns uses the first n·m elements of each buffer as a contiguous n × m matrix, so
/// the shorter last batch of an epoch needs no new memory. A training step therefore allocates nothing.
final class Workspace<Scalar: BackpropScalar> {
  /// n[0], …, n[L].
  let sizes: [Int]
  /// The largest batch the buffers hold.
  let capacity: Int
  /// The number of columns of the batch now loaded.
  var m = 0

  /// A[0] = X, n[0] × m, and the targets Y, n[L] × m.
  let x: UnsafeMutablePointer<Scalar>
  let y: UnsafeMutablePointer<Scalar>
  /// Per layer, index 0 = layer 1: Z[l], A[l] and δ[l], each n[l] × m.
  let z: [UnsafeMutablePointer<Scalar>]
  let a: [UnsafeMutablePointer<Scalar>]
  let delta: [UnsafeMutablePointer<Scalar>]
  /// Per layer: dW[l] (n[l] × n[l−1]) and db[l] (n[l]).
  let dW: [UnsafeMutablePointer<Scalar>]
  let db: [UnsafeMutablePointer<Scalar>]
  /// ∂C/∂X, n[0] × m, written only when asked for.
  let inputGradient: UnsafeMutablePointer<Scalar>
  /// Room for the transpose of the largest A[l−1] (m × n[l−1]), so dW = δ·A_prevᵀ runs as a plain product.
  let scratch: UnsafeMutablePointer<Scalar>

  /// Where each sample of the batch starts in the data set's features, for the gather.
  let offsets: UnsafeMutablePointer<Int>
  /// W[l]ᵀ per layer, for batches of one sample, when ``storeTransposedWeights(of:)`` made them: Z = W·x is then
  /// a product whose matrix is read down its columns, which runs several times faster for a single column and
  /// sums in the same order (the same bits).
  private(set) var transposedWeights: [UnsafeMutablePointer<Scalar>] = []
  /// Per layer, whether every weight is finite: then a zero input contributes exactly nothing and may be skipped.
  private(set) var transposedWeightsAreFinite: [Bool] = []

  private let storage: UnsafeMutablePointer<Scalar>

  init(sizes: [Int], capacity: Int) {
    self.sizes = sizes
    self.capacity = capacity
    let layers = sizes.count - 1
    let perLayer = (1...layers).map { sizes[$0] * capacity }
    let parameters = (1...layers).map { sizes[$0] * sizes[$0 - 1] + sizes[$0] }
    let widest = sizes.dropLast().max()! * capacity
    let total = 2 * sizes[0] * capacity + sizes[layers] * capacity + 3 * perLayer.reduce(0, +)
      + parameters.reduce(0, +) + widest
    storage = .allocate(capacity: total)
    storage.initialize(repeating: 0, count: total)
    offsets = .allocate(capacity: capacity)
    offsets.initialize(repeating: 0, count: capacity)

    var next = storage
    func take(_ count: Int) -> UnsafeMutablePointer<Scalar> {
      defer { next += count }
      return next
    }
    x = take(sizes[0] * capacity)
    y = take(sizes[layers] * capacity)
    inputGradient = take(sizes[0] * capacity)
    z = perLayer.map(take)
    a = perLayer.map(take)
    delta = perLayer.map(take)
    dW = (1...layers).map { take(sizes[$0] * sizes[$0 - 1]) }
    db = (1...layers).map { take(sizes[$0]) }
    scratch = take(widest)
  }

  deinit {
    storage.deallocate()
    offsets.deallocate()
    for w in transposedWeights { w.deallocate() }
  }

  /// Copies every W[l]ᵀ of `network` in, for inference one sample at a time; the network must not change while
  /// this workspace runs it.
  func storeTransposedWeights(of network: Network<Scalar>) {
    for w in transposedWeights { w.deallocate() }
    transposedWeights = network.layers.map { layer in
      let transposed = UnsafeMutablePointer<Scalar>.allocate(capacity: layer.outputs * layer.inputs)
      layer.weights.withUnsafeBufferPointer { w in
        for i in 0..<layer.outputs {
          for p in 0..<layer.inputs { (transposed + p * layer.outputs + i).initialize(to: w[i * layer.inputs + p]) }
        }
      }
      return transposed
    }
    transposedWeightsAreFinite = network.layers.map { layer in layer.weights.scalars.allSatisfy { $0.isFinite } }
  }

  /// Whether the buffers are laid out for `network`'s layer sizes.
  func fits(_ network: Network<Scalar>) -> Bool {
    guard sizes.count == network.layers.count + 1, sizes[0] == network.layers[0].inputs else { return false }
    for l in 0..<network.layers.count where sizes[l + 1] != network.layers[l].outputs { return false }
    return true
  }

  /// Copies whole matrices in as the batch: X (n[0] × m) and, for a backward pass, Y (n[L] × m).
  func load(inputs: Matrix<Scalar>, targets: Matrix<Scalar>?) {
    precondition(inputs.columns <= capacity, "batch larger than the workspace")
    m = inputs.columns
    inputs.withUnsafeBufferPointer { x.update(from: $0.baseAddress!, count: $0.count) }
    targets?.withUnsafeBufferPointer { y.update(from: $0.baseAddress!, count: $0.count) }
  }

  /// Gathers the samples `indices` of X and Y (whole datasets, one column per sample) as the batch's columns.
  func gather(inputs: Matrix<Scalar>, targets: Matrix<Scalar>, indices: ArraySlice<Int>) {
    precondition(indices.count <= capacity, "batch larger than the workspace")
    m = indices.count
    gatherColumns(of: inputs, indices: indices, into: x)
    gatherColumns(of: targets, indices: indices, into: y)
  }

  private func gatherColumns(of source: Matrix<Scalar>, indices: ArraySlice<Int>, into destination: UnsafeMutablePointer<Scalar>) {
    source.withUnsafeBufferPointer { s in
      for row in 0..<source.rows {
        let from = s.baseAddress! + row * source.columns
        let to = destination + row * m
        indices.withUnsafeBufferPointer { samples in
          for j in 0..<m { to[j] = from[samples[j]] }
        }
      }
    }
  }

  /// Copies gradients in as dW and db, shaped as the buffers are.
  func store(_ gradients: Gradients<Scalar>) {
    for l in gradients.weights.indices {
      gradients.weights[l].withUnsafeBufferPointer { dW[l].update(from: $0.baseAddress!, count: $0.count) }
      gradients.biases[l].withUnsafeBufferPointer { b in
        if let base = b.baseAddress { db[l].update(from: base, count: b.count) }
      }
    }
  }

  /// A rows × m matrix copied out of a buffer.
  func copy(_ buffer: UnsafeMutablePointer<Scalar>, rows: Int) -> Matrix<Scalar> {
    try! Matrix(rows: rows, columns: m, scalars: Array(UnsafeBufferPointer(start: buffer, count: rows * m)))
  }

  /// The gradients now in dW and db, shaped like `network`'s parameters.
  func gradients(of network: Network<Scalar>) -> Gradients<Scalar> {
    Gradients(
      weights: network.layers.indices.map { l in
        let layer = network.layers[l]
        return try! Matrix(rows: layer.outputs, columns: layer.inputs,
                           scalars: Array(UnsafeBufferPointer(start: dW[l], count: layer.outputs * layer.inputs)))
      },
      biases: network.layers.indices.map { l in
        network.layers[l].hasBiases ? Array(UnsafeBufferPointer(start: db[l], count: network.layers[l].outputs)) : []
      })
  }
}

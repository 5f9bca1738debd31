#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Every buffer one pass needs (the batch X and Y and its sample weights, then Z[l], A[l], δ[l], dW[l] and db[l]
/// per layer), carved out of one allocation made once for a network and a largest batch size (and one more for the
/// batch's sample offsets, and one, at the first step with dropout, for the dropout masks).
///
/// A batch of m ≤ `capacity` columns uses the first n·m elements of each buffer as a contiguous n × m matrix, so
/// the shorter last batch of an epoch needs no new memory. A training step therefore allocates nothing.
///
/// The passes (`Network/Backpropagation.swift`) are the workspace's: they read the batch and the buffers here, and
/// the network's W, b, g and loss through a binding (``Network/withParameters(boundIn:_:)``) that lasts one call.
///
/// The stored `var`s skip Swift's run-time exclusivity checks (`@exclusivity(unchecked)`): a workspace serves one
/// pass at a time, none of its properties is ever held `inout` across a call, and each check was a thread-local
/// lookup that came to ~8 % of a tiny network's training step.
final class Workspace<Scalar: BackpropScalar> {
  /// n[0], …, n[L].
  let sizes: [Int]
  /// The largest batch the buffers hold.
  let capacity: Int
  /// The number of columns of the batch now loaded.
  @exclusivity(unchecked) var m = 0

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

  /// The batch's sample weights w_j (m of them) and the factors m·w_j / Σw that scale each sample's δ[L]; read
  /// only while `isWeighted`.
  let sampleWeights: UnsafeMutablePointer<Scalar>
  let sampleScales: UnsafeMutablePointer<Scalar>
  /// Whether the batch now loaded has sample weights: the cost is then Σ w_j·C_j / Σ w_j.
  @exclusivity(unchecked) private(set) var isWeighted = false
  /// Σ w_j over the batch, when `isWeighted`.
  @exclusivity(unchecked) private(set) var weightSum: Scalar = 0

  /// Dropout, per hidden layer (index l is layer l + 1, for l < L − 1): the mask M[l] (n[l] × m, each entry 0 or
  /// 1/(1 − p)) and the dropped activations M[l] ∘ A[l] that the next layer reads. Allocated at the first
  /// ``drawDropoutMasks(rate:using:)`` with p > 0.
  @exclusivity(unchecked) private(set) var masks: [UnsafeMutablePointer<Scalar>] = []
  @exclusivity(unchecked) private(set) var dropped: [UnsafeMutablePointer<Scalar>] = []
  /// Whether the pass now loaded applies the masks (a training step with p > 0).
  @exclusivity(unchecked) private(set) var isDropping = false
  @exclusivity(unchecked) private var dropoutStorage: UnsafeMutablePointer<Scalar>?

  /// Where each sample of the batch starts in the data set's features, for the gather.
  let offsets: UnsafeMutablePointer<Int>
  /// The data set's bytes, while the first layer's products read the batch straight from them (a `Float` network on
  /// the native kernels, bytes not standardized: `Dataset.bytesToPack`); A[0] is then not written. Nil otherwise,
  /// and A[0] holds X.
  @exclusivity(unchecked) var inputBytes: [UInt8]?
  /// W[l]ᵀ per layer, for batches of one sample, when ``storeTransposedWeights(of:)`` made them: Z = W·x is then
  /// a product whose matrix is read down its columns, which runs several times faster for a single column and
  /// sums in the same order (the same bits).
  @exclusivity(unchecked) private(set) var transposedWeights: [UnsafeMutablePointer<Scalar>] = []
  /// The parameters and g of each layer of the network a pass runs (index 0 is layer 1), bound by
  /// ``Network/withParameters(boundIn:_:)`` (or its mutating twin) for the duration of its body, and read by the
  /// passes only there. The passes reach W through these plain pointers, not through the network's arrays: every
  /// access to a layer's array retained and released its storage around the C call it fed, 12 % of a tiny network's
  /// training step. A fixed buffer rather than an array, so that binding does not check the array for uniqueness.
  private let bound: UnsafeMutablePointer<BoundLayer>
  /// The cost C of the network bound.
  @exclusivity(unchecked) private(set) var loss = Loss.meanSquaredError
  /// Room for the 2L tensors (W[l] and b[l] with their gradients and state) a training step hands its optimizer.
  let parameterTensors: UnsafeMutablePointer<ParameterTensor<Scalar>>

  struct BoundLayer {
    /// W[l], b[l] (nil for a layer without biases), nil when nothing is bound.
    var weights: UnsafeMutablePointer<Scalar>?
    var biases: UnsafeMutablePointer<Scalar>?
    var activation = Activation.linear
  }

  /// Per layer, whether every weight is finite, for inference (``noteFiniteWeights(of:)``); empty in training, where
  /// W changes at every step. A zero input then contributes exactly nothing and may be skipped without the
  /// products checking W again.
  @exclusivity(unchecked) private(set) var weightsAreFinite: [Bool] = []

  private let storage: UnsafeMutablePointer<Scalar>
  private let storageBytes: Int

  init(sizes: [Int], capacity: Int) {
    self.sizes = sizes
    self.capacity = capacity
    let layers = sizes.count - 1
    let perLayer = (1...layers).map { sizes[$0] * capacity }
    let parameters = (1...layers).map { sizes[$0] * sizes[$0 - 1] + sizes[$0] }
    let total = 2 * sizes[0] * capacity + sizes[layers] * capacity + 3 * perLayer.reduce(0, +)
      + parameters.reduce(0, +) + 2 * capacity
    // Fresh pages from the system, which come zeroed, not allocate + initialize: the buffers a pass never touches
    // (all the backward ones, when predicting) then cost neither a write nor a page fault. Predicting 10,000 MNIST
    // images in batches of 1000 zeroed 11 MB here per call (~7 % of its time, measured). Not calloc: glibc's serves
    // a block this large from fresh pages only until the first one is freed, then from its heap, zeroed by memset.
    storageBytes = max(total, 1) * MemoryLayout<Scalar>.stride
    let pages = mmap(nil, storageBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
    guard let pages, pages != UnsafeMutableRawPointer(bitPattern: -1) else { fatalError("out of memory for the workspace") }
    storage = pages.bindMemory(to: Scalar.self, capacity: total)
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
    sampleWeights = take(capacity)
    sampleScales = take(capacity)
    bound = .allocate(capacity: layers)
    parameterTensors = .allocate(capacity: 2 * layers)
    bound.initialize(repeating: BoundLayer(), count: layers)
  }

  /// Binds layer l's W, b (nil without biases) and g for the passes; see ``bound``.
  @inline(__always)
  func bind(layer l: Int, weights w: UnsafeMutablePointer<Scalar>, biases b: UnsafeMutablePointer<Scalar>?, activation: Activation) {
    bound[l] = BoundLayer(weights: w, biases: b, activation: activation)
  }

  /// Binds the network's cost C.
  @inline(__always)
  func bind(loss: Loss) { self.loss = loss }

  /// Forgets the bound pointers when the binding's body ends, so that a pass run outside one traps at `w(_:)`
  /// instead of reading memory the network may have let go.
  func unbind() {
    for l in 0..<layerCount { bound[l] = BoundLayer() }
  }

  /// L, the number of layers.
  var layerCount: Int { sizes.count - 1 }

  /// W[l] and b[l] as bound; only inside a binding's body.
  @inline(__always) func w(_ l: Int) -> UnsafeMutablePointer<Scalar> { bound[l].weights! }
  @inline(__always) func b(_ l: Int) -> UnsafeMutablePointer<Scalar>? { bound[l].biases }
  /// g_l as bound.
  @inline(__always) func activation(_ l: Int) -> Activation { bound[l].activation }

  deinit {
    munmap(storage, storageBytes)
    bound.deallocate()
    parameterTensors.deallocate()
    offsets.deallocate()
    for w in transposedWeights { w.deallocate() }
    dropoutStorage?.deallocate()
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
  }

  /// Checks every W[l] of `network` for Inf and NaN once, for inference: the network must not change while this
  /// workspace runs it. The products then skip zero inputs without checking W's strips again in every call and
  /// column chunk (~10 % of inference in batches of 1000 on MNIST, measured).
  func noteFiniteWeights(of network: Network<Scalar>) {
    weightsAreFinite = network.layers.map { layer in layer.weights.scalars.allSatisfy { $0.isFinite } }
  }

  /// Whether layer l's W is known to hold no Inf or NaN (see ``noteFiniteWeights(of:)``).
  func weightsAreKnownFinite(layer l: Int) -> Bool { l < weightsAreFinite.count && weightsAreFinite[l] }

  /// Whether the buffers are laid out for `network`'s layer sizes.
  func fits(_ network: Network<Scalar>) -> Bool {
    network.layers.withUnsafeBufferPointer { layers in  // read in place, as `Trainer` does
      guard sizes.count == layers.count + 1, sizes[0] == layers[0].inputs else { return false }
      for l in 0..<layers.count where sizes[l + 1] != layers[l].outputs { return false }
      return true
    }
  }

  /// Copies whole matrices in as the batch: X (n[0] × m) and, for a backward pass, Y (n[L] × m), and the samples'
  /// weights, if any (m of them).
  func load(inputs: Matrix<Scalar>, targets: Matrix<Scalar>?, sampleWeights: [Scalar]? = nil) {
    precondition(inputs.columns <= capacity, "batch larger than the workspace")
    m = inputs.columns
    inputs.withUnsafeBufferPointer { x.update(from: $0.baseAddress!, count: $0.count) }
    targets?.withUnsafeBufferPointer { y.update(from: $0.baseAddress!, count: $0.count) }
    loadSampleWeights(sampleWeights, indices: nil)
    isDropping = false
  }

  /// Gathers the samples `indices` of X and Y (whole datasets, one column per sample) as the batch's columns, and
  /// their weights when `sampleWeights` (one per sample of the whole set) is given.
  func gather(inputs: Matrix<Scalar>, targets: Matrix<Scalar>, indices: ArraySlice<Int>, sampleWeights: [Scalar]? = nil) {
    precondition(indices.count <= capacity, "batch larger than the workspace")
    m = indices.count
    gatherColumns(of: inputs, indices: indices, into: x)
    gatherColumns(of: targets, indices: indices, into: y)
    loadSampleWeights(sampleWeights, indices: indices)
    isDropping = false
  }

  /// Takes the weights of the batch's m samples, `weights[indices[j]]` (or `weights[j]` without indices), and
  /// computes Σw and each sample's δ[L] factor m·w_j / Σw; nil marks the batch unweighted. A batch whose weights
  /// sum to 0 gets factors of 0: it adds nothing to the cost or the gradient.
  func loadSampleWeights<Weight: BinaryFloatingPoint>(_ weights: [Weight]?, indices: ArraySlice<Int>?) {
    guard let weights else {
      isWeighted = false
      return
    }
    weights.withUnsafeBufferPointer { w in
      if let indices {
        indices.withUnsafeBufferPointer { samples in
          for j in 0..<m { sampleWeights[j] = Scalar(w[samples[j]]) }
        }
      } else {
        for j in 0..<m { sampleWeights[j] = Scalar(w[j]) }
      }
    }
    var sum: Scalar = 0
    for j in 0..<m { sum += sampleWeights[j] }
    for j in 0..<m { sampleScales[j] = sum > 0 ? sampleWeights[j] * Scalar(m) / sum : 0 }
    weightSum = sum
    isWeighted = true
  }

  /// What the batch weighs in an epoch's mean cost: Σw, or m without weights.
  var batchWeight: Scalar { isWeighted ? weightSum : Scalar(m) }

  /// Draws the batch's dropout masks for the hidden layers from `generator`, after the batch is loaded: for
  /// l = 1 … L−1, for each entry of M[l] in row-major order (unit by unit, sample by sample), one
  /// `generator.nextUniform()` u, and M = 0 if u < p, else 1/(1 − p). With p = 0 this draws nothing and the pass
  /// runs without dropout.
  func drawDropoutMasks(rate p: Double, using generator: inout SeededGenerator) {
    guard p > 0 else {
      isDropping = false
      return
    }
    if dropoutStorage == nil { allocateDropoutBuffers() }
    let kept = Scalar(1 / (1 - p))
    // u = k·2⁻⁵³ with k = next() >> 11, and k·2⁻⁵³ < p exactly when k < ⌈p·2⁵³⌉ (p·2⁵³ is exact): the same test on
    // integers. The entry is written as bits, 1/(1 − p) or +0, without a branch, which a coin flip would mispredict
    // half the time.
    let threshold = UInt64((p * 0x1p53).rounded(.up))
    var local = generator   // a local copy stays in registers: the stores to the masks cannot alias it
    for l in 0..<masks.count {
      let mask = UnsafeMutableRawPointer(masks[l]), count = sizes[l + 1] * m
      if MemoryLayout<Scalar>.size == 4 {
        Self.fillMask(mask, count: count, kept: withUnsafeBytes(of: kept) { $0.load(as: UInt32.self) }, threshold, &local)
      } else {
        Self.fillMask(mask, count: count, kept: withUnsafeBytes(of: kept) { $0.load(as: UInt64.self) }, threshold, &local)
      }
    }
    generator = local
    isDropping = true
  }

  /// `count` mask entries from `generator`: each the bits `kept`, or all zero (+0) when k = next() >> 11 is below
  /// `threshold`, that is when k − threshold wraps below 0 and sets its top bit.
  @inline(__always)
  private static func fillMask<Bits: FixedWidthInteger & UnsignedInteger>(
    _ mask: UnsafeMutableRawPointer, count: Int, kept: Bits, _ threshold: UInt64, _ generator: inout SeededGenerator
  ) {
    for i in 0..<count {
      let dropped = ((generator.next() >> 11) &- threshold) >> 63
      mask.storeBytes(
        of: kept & (Bits(truncatingIfNeeded: dropped) &- 1), toByteOffset: i * MemoryLayout<Bits>.stride, as: Bits.self)
    }
  }

  private func allocateDropoutBuffers() {
    let hidden = Array(sizes.dropFirst().dropLast())
    let total = 2 * hidden.reduce(0, +) * capacity
    let storage = UnsafeMutablePointer<Scalar>.allocate(capacity: max(total, 1))
    storage.initialize(repeating: 0, count: max(total, 1))
    dropoutStorage = storage
    var next = storage
    for n in hidden {
      masks.append(next)
      dropped.append(next + n * capacity)
      next += 2 * n * capacity
    }
  }

  /// A[l] as layer l + 1 reads it (index 0 is layer 1): the dropped activations while dropping, else A[l].
  @inline(__always) func layerOutput(_ l: Int) -> UnsafeMutablePointer<Scalar> {
    isDropping && l < masks.count ? dropped[l] : a[l]
  }

  /// While dropping, M[l] ∘ A[l] into the dropped buffer of hidden layer l (index 0 is layer 1).
  @inline(__always) func applyDropout(layer l: Int) {
    guard isDropping, l < masks.count else { return }
    let (mask, a, out) = (masks[l], self.a[l], dropped[l])
    for i in 0..<(sizes[l + 1] * m) { out[i] = a[i] * mask[i] }
  }

  /// While dropping, dA[l] ∘ M[l] in place: the gradient reaches only the kept units, scaled as they were.
  @inline(__always) func maskGradient(_ dA: UnsafeMutablePointer<Scalar>, layer l: Int) {
    guard isDropping, l < masks.count else { return }
    let mask = masks[l]
    for i in 0..<(sizes[l + 1] * m) { dA[i] *= mask[i] }
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

/// Trains a network by gradient descent: forward pass, cost, backward pass, optimizer step, repeated over
/// batches.
///
/// The trainer owns what persists between steps (the optimizer's state and the step count t) and one
/// `Workspace`, so a step allocates nothing once the first batch of the largest size has been seen.
///
/// ```swift
/// var trainer = Trainer<Double>(optimizer: try GradientDescent(learningRate: 0.5))
/// _ = try trainer.step(&network, inputs: x, targets: y)                               // one full-batch step
/// try trainer.steps(1000, on: &network, inputs: x, targets: y)                       // 1000 of them
/// let cost = try trainer.epoch(&network, inputs: x, targets: y, batchSize: 2, using: &generator)
/// ```
///
/// It is not `Sendable`: one training run belongs to one thread.
public struct Trainer<Scalar: BackpropScalar> {
  /// The update rule; its hyperparameters may change between steps (a schedule may lower η).
  public var optimizer: any Optimizer
  /// t, the number of updates applied so far.
  public private(set) var step = 0
  /// Per parameter tensor, in the order W[1], b[1], W[2], b[2], …: the optimizer's slots, back to back.
  public var state: [[Scalar]] {
    var start = 0
    return slotCounts.map { count in
      defer { start += count }
      return Array(slots[start..<(start + count)])
    }
  }
  /// The L2 penalty and dropout of every step (none by default). Dropout's masks are drawn from the generator of
  /// the epoch, or of ``step(_:inputs:targets:sampleWeights:using:)``.
  public var regularization = Regularization.none
  /// The largest global gradient norm √(Σ‖∂C/∂W[l]‖² + Σ‖∂C/∂b[l]‖²) a step may take; a larger gradient is scaled
  /// down to it (PyTorch's `clip_grad_norm_`). nil for none. With it, a gradient that is not finite stops training
  /// in the step it appears.
  public var gradientClip: Double?

  /// `state` as the trainer keeps it: every tensor's slots back to back in one buffer, so that a step reaches all of
  /// them through one access, and how many each tensor has.
  private var slots: [Scalar] = []
  private var slotCounts: [Int] = []
  private var workspace: Workspace<Scalar>?
  private var order: [Int] = []

  public init(optimizer: any Optimizer) {
    self.optimizer = optimizer
  }

  /// A trainer that goes on from saved state: the optimizer's slots per parameter tensor (W[1], b[1], W[2], …)
  /// and the step count t. The slots are checked against the network at the first step.
  public init(optimizer: any Optimizer, state: [[Scalar]], step: Int) {
    self.optimizer = optimizer
    slots = state.flatMap { $0 }
    slotCounts = state.map(\.count)
    self.step = step
  }

  /// One update on one batch, the whole of `inputs` (n[0] × m) and `targets` (n[L] × m), weighted by
  /// `sampleWeights` (one per sample) if given.
  ///
  /// - Returns: the cost C on this batch before the update.
  /// - Throws: `BackpropError` for shapes that do not fit or values that are not finite, for dropout (its masks need
  ///   ``step(_:inputs:targets:sampleWeights:using:)``), and `BackpropError.diverged`, without touching the
  ///   network, if the cost is NaN or infinite.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public mutating func step(
    _ network: inout Network<Scalar>, inputs: Matrix<Scalar>, targets: Matrix<Scalar>, sampleWeights: [Scalar]? = nil
  ) throws -> Scalar {
    try refuseDropout()
    return try update(&network, load(network, inputs, targets, sampleWeights))
  }

  /// `count` updates on one batch, the whole of `inputs` and `targets` (full-batch gradient descent, as in the
  /// seeds' worked examples): the same updates, to the bit, as `count` calls of
  /// ``step(_:inputs:targets:sampleWeights:)``, with the batch checked and loaded once instead of at every step.
  ///
  /// - Parameter afterStep: called after each update with its number (from 1) and the cost before it.
  /// - Returns: the cost before the last update (0 for no steps).
  /// - Throws: as ``step(_:inputs:targets:sampleWeights:)``, and for a negative `count`; a step that diverges
  ///   leaves the network as the step before it left it.
  @discardableResult
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public mutating func steps(
    _ count: Int, on network: inout Network<Scalar>, inputs: Matrix<Scalar>, targets: Matrix<Scalar>,
    sampleWeights: [Scalar]? = nil, afterStep: (_ step: Int, _ cost: Scalar) -> Void
  ) throws -> Scalar {
    guard count >= 0 else {
      throw BackpropError.invalidArgument(name: "steps", value: "\(count)", expected: "0 or more")
    }
    try refuseDropout()
    return try update(&network, load(network, inputs, targets, sampleWeights), times: count, afterStep: afterStep)
  }

  /// ``steps(_:on:inputs:targets:sampleWeights:afterStep:)`` without a callback.
  @discardableResult
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public mutating func steps(
    _ count: Int, on network: inout Network<Scalar>, inputs: Matrix<Scalar>, targets: Matrix<Scalar>,
    sampleWeights: [Scalar]? = nil
  ) throws -> Scalar {
    // An overload rather than a default closure, which an unoptimized build would allocate (see `epoch`).
    try steps(count, on: &network, inputs: inputs, targets: targets, sampleWeights: sampleWeights, afterStep: { _, _ in })
  }

  /// Dropout draws its masks from a generator, which the steps without `using:` do not have.
  private func refuseDropout() throws {
    guard regularization.dropout == 0 else {
      throw BackpropError.invalidArgument(
        name: "dropout", value: "\(regularization.dropout)",
        expected: "a generator for its masks: call step(_:inputs:targets:sampleWeights:using:)")
    }
  }

  /// ``step(_:inputs:targets:sampleWeights:)`` with dropout's masks drawn from `generator`.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public mutating func step(
    _ network: inout Network<Scalar>, inputs: Matrix<Scalar>, targets: Matrix<Scalar>, sampleWeights: [Scalar]? = nil,
    using generator: inout SeededGenerator
  ) throws -> Scalar {
    let workspace = try load(network, inputs, targets, sampleWeights)
    workspace.drawDropoutMasks(rate: regularization.dropout, using: &generator)
    return try update(&network, workspace)
  }

  /// The workspace with the batch loaded (and no dropout masks), after the checks.
  private mutating func load(
    _ network: Network<Scalar>, _ inputs: Matrix<Scalar>, _ targets: Matrix<Scalar>, _ sampleWeights: [Scalar]?
  ) throws -> Workspace<Scalar> {
    try network.checkInputs(inputs, targets: targets, sampleWeights: sampleWeights)
    let workspace = try prepare(for: network, batchSize: inputs.columns)
    workspace.load(inputs: inputs, targets: targets, sampleWeights: sampleWeights)
    return workspace
  }

  /// One pass over the data set in mini-batches of `batchSize` samples, in an order shuffled afresh each epoch
  /// by `generator` (Fisher–Yates over 0..<N). The last batch keeps the N mod batchSize samples left over.
  ///
  /// - Returns: the mean cost over the samples, each batch's cost taken before its update.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public mutating func epoch(
    _ network: inout Network<Scalar>, inputs: Matrix<Scalar>, targets: Matrix<Scalar>, batchSize: Int,
    shuffle: Bool = true, using generator: inout SeededGenerator
  ) throws -> Scalar {
    try network.checkInputs(inputs, targets: targets)
    return try epoch(
      &network, count: inputs.columns, batchSize: batchSize, shuffle: shuffle, using: &generator,
      afterBatch: { _, _, _ in }
    ) {
      $0.gather(inputs: inputs, targets: targets, indices: $1)
    }
  }

  /// One pass over a labelled data set, as ``epoch(_:inputs:targets:batchSize:shuffle:using:)`` does over
  /// matrices: shuffled by `generator`, the last partial batch kept, features standardized if asked.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public mutating func epoch(
    _ network: inout Network<Scalar>, on data: Dataset, batchSize: Int, standardization: Standardization? = nil,
    shuffle: Bool = true, using generator: inout SeededGenerator
  ) throws -> Scalar {
    // An overload rather than a default closure: a default argument's closure is built by a function that returns
    // it, so an unoptimized build allocates its context; a closure written at the call is not.
    try epoch(
      &network, on: data, batchSize: batchSize, standardization: standardization, shuffle: shuffle,
      using: &generator, afterBatch: { _, _, _ in })
  }

  /// ``epoch(_:on:batchSize:standardization:shuffle:using:)`` with `afterBatch(done, total, cost)` called after
  /// each update, e.g. to draw a progress bar.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public mutating func epoch(
    _ network: inout Network<Scalar>, on data: Dataset, batchSize: Int, standardization: Standardization? = nil,
    shuffle: Bool = true, using generator: inout SeededGenerator,
    afterBatch: (_ done: Int, _ total: Int, _ cost: Scalar) -> Void
  ) throws -> Scalar {
    try network.check(data, standardization: standardization)
    guard data.hasTargets else {
      throw BackpropError.invalidArgument(name: "data", value: data.source, expected: "samples with targets to train on")
    }
    return try epoch(
      &network, count: data.count, batchSize: batchSize, shuffle: shuffle, using: &generator,
      bytes: data.bytesToPack(as: Scalar.self, standardization: standardization), afterBatch: afterBatch
    ) {
      $0.gather(data, indices: $1, standardization: standardization)
      $0.loadSampleWeights(data.sampleWeights, indices: $1)
    }
  }

  /// The data path of ``epoch(_:on:batchSize:standardization:shuffle:using:)`` alone, to time it: the same shuffle
  /// of 0..<N and the same gather of each batch into the workspace, but no forward or backward pass and no update.
  /// The network is only read, for its sizes; the generator advances as the epoch's would. (SPI for the benchmark.)
  @_spi(Benchmarks)
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public mutating func gatherEpoch(
    for network: Network<Scalar>, on data: Dataset, batchSize: Int, standardization: Standardization? = nil,
    shuffle: Bool = true, using generator: inout SeededGenerator
  ) throws {
    try network.check(data, standardization: standardization)
    var network = network
    _ = try epoch(
      &network, count: data.count, batchSize: batchSize, shuffle: shuffle, using: &generator,
      bytes: data.bytesToPack(as: Scalar.self, standardization: standardization), updating: false,
      afterBatch: { _, _, _ in }
    ) {
      $0.gather(data, indices: $1, standardization: standardization)
    }
  }

  /// The epochs' loop: shuffle, then per batch the gather and (when `updating`) the update. With `bytes`, the first
  /// layer's products read the samples from them (``Workspace/inputBytes``) and the gather leaves A[0] alone.
  private mutating func epoch(
    _ network: inout Network<Scalar>, count: Int, batchSize: Int, shuffle: Bool, using generator: inout SeededGenerator,
    bytes: [UInt8]? = nil, updating: Bool = true, afterBatch: (Int, Int, Scalar) -> Void,
    gather: (Workspace<Scalar>, ArraySlice<Int>) -> Void
  ) throws -> Scalar {
    guard batchSize > 0 else {
      throw BackpropError.invalidArgument(name: "batch size", value: "\(batchSize)", expected: "at least 1")
    }
    guard count > 0 else {
      throw BackpropError.invalidArgument(name: "data", value: "0 samples", expected: "at least one sample")
    }
    let workspace = try prepare(for: network, batchSize: min(batchSize, count))
    // 0..<N written into the kept array, shuffled in place through a buffer: no allocation after the first epoch,
    // even in an unoptimized build (where appending a range or shuffling the array itself would allocate).
    if order.count < count {
      order.append(contentsOf: order.count..<count)
    } else if order.count > count {
      order.removeLast(order.count - count)
    }
    order.withUnsafeMutableBufferPointer { order in
      for i in 0..<order.count { order[i] = i }
      if shuffle { generator.shuffle(&order) }
    }

    let batches = (count + batchSize - 1) / batchSize
    var total: Scalar = 0, weight: Scalar = 0
    workspace.inputBytes = bytes
    defer { workspace.inputBytes = nil }
    for batch in 0..<batches {
      let start = batch * batchSize, end = min(start + batchSize, count)
      gather(workspace, order[start..<end])
      guard updating else { continue }
      workspace.drawDropoutMasks(rate: regularization.dropout, using: &generator)
      let cost = try update(&network, workspace)
      // Each batch weighs its m samples (Σw with sample weights), so the epoch's cost is the mean over samples.
      total += cost * workspace.batchWeight
      weight += workspace.batchWeight
      afterBatch(batch + 1, batches, cost)
    }
    return weight > 0 ? total / weight : 0
  }

  /// One optimizer step t with gradients you hold as a value, e.g. from `network.gradients(inputs:targets:)`,
  /// clipped or averaged by your own code. The same update as ``step(_:inputs:targets:sampleWeights:)`` applies
  /// after its backward pass.
  ///
  /// - Throws: `BackpropError.shapeMismatch` naming the first tensor whose shape differs from the network's, and
  ///   `BackpropError.notFinite` for a NaN or infinite gradient; the network is untouched then.
  public mutating func apply(_ gradients: Gradients<Scalar>, to network: inout Network<Scalar>) throws {
    guard gradients.weights.count == network.layers.count, gradients.biases.count == network.layers.count else {
      throw BackpropError.shapeMismatch(
        context: "Trainer.apply(_:to:)", expected: "gradients for \(network.layers.count) layers",
        found: "\(gradients.weights.count) weight and \(gradients.biases.count) bias tensors")
    }
    for (l, layer) in network.layers.enumerated() {
      guard gradients.weights[l].shape == layer.weights.shape else {
        throw BackpropError.shapeMismatch(
          context: "layer \(l + 1), dW", expected: "\(layer.weights.shape) like W", found: "\(gradients.weights[l].shape)")
      }
      guard gradients.biases[l].count == layer.biases.count else {
        throw BackpropError.shapeMismatch(
          context: "layer \(l + 1), db", expected: "\(layer.biases.count) entries like b", found: "\(gradients.biases[l].count)")
      }
      try gradients.weights[l].checkFinite(name: "gradient dW[\(l + 1)]")
      try Matrix(column: gradients.biases[l]).checkFinite(name: "gradient db[\(l + 1)]")
    }
    let workspace = try prepare(for: network, batchSize: 1)
    workspace.store(gradients)
    network.withMutableParameters(boundIn: workspace) { applyGradients(in: workspace) }
  }

  // MARK: One step

  /// Forward, cost, backward and the optimizer's update on the batch loaded in `workspace`.
  private mutating func update(_ network: inout Network<Scalar>, _ workspace: Workspace<Scalar>) throws -> Scalar {
    try update(&network, workspace, times: 1, afterStep: { _, _ in })
  }

  /// `count` rounds of forward, cost, backward and the optimizer's update on the batch loaded in `workspace`, all
  /// with the network's parameters bound in it: the passes read W and b, and the update writes them in place,
  /// through plain pointers. `afterStep` sees each update's number (from 1) and the cost before it.
  private mutating func update(
    _ network: inout Network<Scalar>, _ workspace: Workspace<Scalar>, times count: Int,
    afterStep: (Int, Scalar) -> Void
  ) throws -> Scalar {
    let l2 = Scalar(regularization.l2)
    let (cost, updated) = network.withMutableParameters(boundIn: workspace) { () -> (Scalar, Bool) in
      var cost: Scalar = 0
      for round in 0..<count {
        workspace.forward()
        cost = workspace.cost(l2: l2)
        guard cost.isFinite else { return (cost, false) }
        workspace.backward(l2: l2)
        if let gradientClip, !clip(workspace, to: Scalar(gradientClip)) { return (cost, false) }
        applyGradients(in: workspace)
        afterStep(round + 1, cost)
      }
      return (cost, true)
    }
    guard updated else {
      throw BackpropError.diverged(
        step: step + 1, layer: Self.firstNonFiniteLayer(network, workspace), cost: Double(cost), hint: Self.hint)
    }
    return cost
  }

  static var hint: String {
    "lower the learning rate, clip the gradients (--clip-gradients), or check the data for extreme values"
  }

  /// Scales every dW and db by c/G when the global norm G exceeds c. Returns false, scaling nothing, when G is not
  /// finite: that is divergence.
  private func clip(_ workspace: Workspace<Scalar>, to c: Scalar) -> Bool {
    let layers = workspace.layerCount
    var sum: Scalar = 0
    for l in 0..<layers {
      let w = workspace.dW[l], b = workspace.db[l], outputs = workspace.sizes[l + 1]
      for i in 0..<(outputs * workspace.sizes[l]) { sum += w[i] * w[i] }
      if workspace.b(l) != nil { for i in 0..<outputs { sum += b[i] * b[i] } }
    }
    let norm = sum.squareRoot()
    guard norm.isFinite else { return false }
    guard norm > c else { return true }
    let scale = c / norm
    for l in 0..<layers {
      let w = workspace.dW[l], b = workspace.db[l], outputs = workspace.sizes[l + 1]
      for i in 0..<(outputs * workspace.sizes[l]) { w[i] *= scale }
      if workspace.b(l) != nil { for i in 0..<outputs { b[i] *= scale } }
    }
    return true
  }

  /// The first layer (from 1) whose W or b, or whose gradients in the workspace, hold a NaN or an infinity.
  /// Loops over buffers, not collections: the check runs after every epoch, which must not allocate even in an
  /// unoptimized build (a generic collection's iterator may).
  static func firstNonFiniteLayer(_ network: Network<Scalar>, _ workspace: Workspace<Scalar>?) -> Int? {
    for l in network.layers.indices {
      let layer = network.layers[l]
      let parameters = layer.weights.withUnsafeBufferPointer { hasNonFinite($0.baseAddress!, $0.count) }
        || layer.biases.withUnsafeBufferPointer { hasNonFinite($0.baseAddress, $0.count) }
      if parameters { return l + 1 }
      if let workspace, hasNonFinite(workspace.dW[l], layer.weights.scalars.count) || hasNonFinite(workspace.db[l], layer.outputs) {
        return l + 1
      }
    }
    return nil
  }

  private static func hasNonFinite(_ values: UnsafePointer<Scalar>?, _ count: Int) -> Bool {
    guard let values else { return false }
    for i in 0..<count where !values[i].isFinite { return true }
    return false
  }

  /// One optimizer step t on every parameter tensor bound in the workspace, from the gradients in its dW and db:
  /// the tensors W[1], b[1], W[2], … handed to the rule in one call.
  private mutating func applyGradients(in workspace: Workspace<Scalar>) {
    step += 1
    let (rule, t, counts) = (optimizer, step, slotCounts)
    // A stateless rule (plain gradient descent) gets no buffer: asking the empty array for a mutable one would make
    // it unique first, a copy on every step.
    if slots.isEmpty {
      Self.update(rule, workspace, slots: nil, counts: counts, step: t)
    } else {
      slots.withUnsafeMutableBufferPointer { Self.update(rule, workspace, slots: $0.baseAddress, counts: counts, step: t) }
    }
  }

  /// Hands `rule` the tensors bound in the workspace, each with its share of `slots` (tensor i of `state`, where 2l is
  /// W[l + 1] and 2l + 1 is b[l + 1], has `counts[i]` of them). Plain loops, no closures: an unoptimized build would
  /// allocate the variables a closure captures.
  private static func update(
    _ rule: any Optimizer, _ workspace: Workspace<Scalar>, slots: UnsafeMutablePointer<Scalar>?, counts: [Int], step: Int
  ) {
    let tensors = workspace.parameterTensors
    var count = 0, offset = 0
    for l in 0..<workspace.layerCount {
      let outputs = workspace.sizes[l + 1]
      (tensors + count).initialize(
        to: tensor(workspace.w(l), workspace.dW[l], outputs * workspace.sizes[l], slots, offset, counts[2 * l]))
      count += 1
      offset += counts[2 * l]
      if let b = workspace.b(l) {
        (tensors + count).initialize(to: tensor(b, workspace.db[l], outputs, slots, offset, counts[2 * l + 1]))
        count += 1
      }
      offset += counts[2 * l + 1]
    }
    rule.update(UnsafeBufferPointer(start: tensors, count: count), step: step)
  }

  /// `elements` parameters from `w` with their gradient, and `slotCount` slots from `slots + offset` (none without
  /// slots).
  private static func tensor(
    _ w: UnsafeMutablePointer<Scalar>, _ gradient: UnsafeMutablePointer<Scalar>, _ elements: Int,
    _ slots: UnsafeMutablePointer<Scalar>?, _ offset: Int, _ slotCount: Int
  ) -> ParameterTensor<Scalar> {
    ParameterTensor(
      w: UnsafeMutableBufferPointer(start: w, count: elements),
      gradient: UnsafeBufferPointer(start: gradient, count: elements),
      state: UnsafeMutableBufferPointer(start: slots.map { $0 + offset }, count: slotCount))
  }

  /// The workspace for batches of up to `batchSize` samples, and optimizer state shaped like `network`.
  /// After the first call this only checks, so a step allocates nothing.
  private mutating func prepare(for network: Network<Scalar>, batchSize: Int) throws -> Workspace<Scalar> {
    let names = optimizer.stateNames.count
    if slotCounts.isEmpty {
      slotCounts = network.layers.flatMap { [names * $0.weights.scalars.count, names * $0.biases.count] }
      slots = Array(repeating: 0, count: slotCounts.reduce(0, +))
    }
    guard stateFits(network, slots: names) else {
      throw BackpropError.shapeMismatch(
        context: "Trainer", expected: "the network it started training, with the same layer sizes",
        found: "a network of sizes \(network.sizes)")
    }
    if let workspace, workspace.fits(network), workspace.capacity >= batchSize {
      return workspace
    }
    let fresh = Workspace<Scalar>(sizes: network.sizes, capacity: batchSize)
    workspace = fresh
    return fresh
  }

  /// Whether the state has `slots` slots for each of `network`'s tensors. The layers are read in place: a copy of
  /// each (retaining and releasing its arrays) made this check a tenth of a tiny network's step.
  private func stateFits(_ network: Network<Scalar>, slots: Int) -> Bool {
    guard slotCounts.count == 2 * network.layers.count else { return false }
    return network.layers.withUnsafeBufferPointer { layers in
      for l in 0..<layers.count
      where slotCounts[2 * l] != slots * layers[l].weights.scalars.count || slotCounts[2 * l + 1] != slots * layers[l].biases.count {
        return false
      }
      return true
    }
  }
}

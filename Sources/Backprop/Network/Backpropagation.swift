/// The forward pass and the δ recursion of backpropagation, on the buffers of a `Workspace`.
///
/// Backpropagation is dynamic programming (seed 001): the error signal δ[l] = ∂C/∂Z[l] of each layer is computed
/// once, from the output back, and reused for that layer's gradients and for the layer before it.
///
/// The passes are the workspace's: they read the parameters through the pointers a binding puts there
/// (``Network/withParameters(boundIn:_:)``), and every caller runs its passes inside one binding.
extension Network {
  // MARK: Binding the parameters

  /// Runs `body` with every layer's W[l], b[l] and g_l, and the loss, bound in `workspace` for its passes to read.
  func withParameters<R>(boundIn workspace: Workspace<Scalar>, _ body: () throws -> R) rethrows -> R {
    defer { workspace.unbind() }
    workspace.bind(loss: loss)
    return try layers.withUnsafeBufferPointer { layers in try Self.bind(layers, from: 0, in: workspace, body) }
  }

  /// ``withParameters(boundIn:_:)`` with the parameters open for writing: a training step's update writes W and b
  /// in place through the bound pointers. Mutable access reaches each array in place, so binding retains nothing
  /// (a shared array is copied first, as any write to it would be).
  mutating func withMutableParameters<R>(boundIn workspace: Workspace<Scalar>, _ body: () throws -> R) rethrows -> R {
    defer { workspace.unbind() }
    workspace.bind(loss: loss)
    return try layers.withUnsafeMutableBufferPointer { layers in try Self.bind(layers, from: 0, in: workspace, body) }
  }

  /// Binds layers l, l + 1, … in nested scopes (a pointer is valid only inside its array's closure), then runs `body`.
  private static func bind<R>(
    _ layers: UnsafeBufferPointer<Dense<Scalar>>, from l: Int, in workspace: Workspace<Scalar>, _ body: () throws -> R
  ) rethrows -> R {
    guard l < layers.count else { return try body() }
    return try layers[l].weights.withUnsafeBufferPointer { w in
      try layers[l].biases.withUnsafeBufferPointer { b in
        workspace.bind(
          layer: l, weights: UnsafeMutablePointer(mutating: w.baseAddress!),
          biases: layers[l].hasBiases ? UnsafeMutablePointer(mutating: b.baseAddress!) : nil,
          activation: layers[l].activation)
        return try bind(layers, from: l + 1, in: workspace, body)
      }
    }
  }

  private static func bind<R>(
    _ layers: UnsafeMutableBufferPointer<Dense<Scalar>>, from l: Int, in workspace: Workspace<Scalar>,
    _ body: () throws -> R
  ) rethrows -> R {
    guard l < layers.count else { return try body() }
    return try layers[l].weights.withUnsafeMutableBufferPointer { w in
      // An empty bias array is not asked for a mutable buffer: that would allocate it a unique one.
      guard layers[l].hasBiases else {
        workspace.bind(layer: l, weights: w.baseAddress!, biases: nil, activation: layers[l].activation)
        return try bind(layers, from: l + 1, in: workspace, body)
      }
      return try layers[l].biases.withUnsafeMutableBufferPointer { b in
        workspace.bind(layer: l, weights: w.baseAddress!, biases: b.baseAddress!, activation: layers[l].activation)
        return try bind(layers, from: l + 1, in: workspace, body)
      }
    }
  }
}

extension Workspace {
  // MARK: Forward

  /// For l = 1 … L, with the m samples of the batch as columns:
  ///
  ///     Z[l] = W[l]·A[l−1] + b[l]      (b[l] added to every column)
  ///     A[l] = g_l(Z[l])
  ///
  /// Z[l] and A[l] stay in the workspace: the backward pass reads them. In a training step with dropout, each
  /// hidden layer's A[l] is kept as it is and the next layer reads M[l] ∘ A[l] (see `drawDropoutMasks`).
  func forward() {
    for l in 0..<layerCount {
      let (outputs, inputs, g, weights) = (sizes[l + 1], sizes[l], activation(l), w(l))
      let aPrev = l == 0 ? x : layerOutput(l - 1)
      let z = self.z[l]
      if l == 0, let bytes = inputBytes {
        // Z = W·X with X's panels packed from the bytes (X = b/255, the gather's values): the same bits, and X is
        // never written. Set only for Float networks on the native kernels.
        bytes.withUnsafeBufferPointer { samples in
          Kernels.gemmFromBytes(
            transposeX: false, m: outputs, n: m, k: inputs, alpha: 1, a: weights, lda: inputs,
            aIsFinite: weightsAreKnownFinite(layer: l), samples: samples.baseAddress!, offsets: offsets, c: z, ldc: m)
        }
      } else if m == 1, !transposedWeights.isEmpty {
        // Zero inputs (an image's background) add nothing to a finite W's sums: skipping them keeps the bits.
        let skipped = weightsAreKnownFinite(layer: l)
          && Kernels.gemvSkippingZeros(m: outputs, k: inputs, a: transposedWeights[l], lda: outputs, x: aPrev, c: z)
        if !skipped {
          Kernels.gemm(
            transposeA: true, transposeB: false, m: outputs, n: 1, k: inputs,
            alpha: 1, a: transposedWeights[l], lda: outputs, b: aPrev, ldb: 1, beta: 0, c: z, ldc: 1)
        }
      } else {
        Kernels.gemm(
          transposeA: false, transposeB: false, m: outputs, n: m, k: inputs,
          alpha: 1, a: weights, lda: inputs, b: aPrev, ldb: m, beta: 0, c: z, ldc: m)
      }
      // Z += b and A = g(Z): one pass in the C kernels where they have g (Float), else two.
      if !Kernels.biasActivation(g, bias: b(l), z: z, a: a[l], rows: outputs, columns: m) {
        if let bias = b(l) { Kernels.addToRows(bias, z, rows: outputs, columns: m) }
        g.apply(z, a[l], rows: outputs, columns: m)
      }
      applyDropout(layer: l)
    }
  }

  /// C of the outputs now in the workspace against its targets: the mean over the batch's samples (weighted by the
  /// sample weights when the batch has them), plus (λ/2)·Σ‖W[l]‖² when `l2` = λ is not 0.
  func cost(l2: Scalar = 0) -> Scalar {
    let last = layerCount - 1
    let cost = loss.cost(
      z: z[last], a: a[last], y: y, rows: sizes[last + 1], columns: m, output: activation(last),
      weights: isWeighted ? UnsafePointer(sampleWeights) : nil, weightSum: weightSum)
    return l2 == 0 ? cost : cost + l2 / 2 * squaredWeightNorm
  }

  /// Σ_l ‖W[l]‖², the sum of every weight's square (biases not included). Per layer, in a fixed order: eight running
  /// sums s_r over the elements i ≡ r (mod 8) of W (row-major) up to the last multiple of 8, the rest into s0, added as
  /// ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)), then the layers in turn. Independent sums run several times
  /// faster than one (the compiler keeps them in two vector registers), and the order never changes.
  var squaredWeightNorm: Scalar {
    var total: Scalar = 0
    for l in 0..<layerCount {
      let w = self.w(l), count = sizes[l + 1] * sizes[l]
      var s: (Scalar, Scalar, Scalar, Scalar, Scalar, Scalar, Scalar, Scalar) = (0, 0, 0, 0, 0, 0, 0, 0)
      var i = 0
      while i + 8 <= count {
        s.0 += w[i] * w[i]
        s.1 += w[i + 1] * w[i + 1]
        s.2 += w[i + 2] * w[i + 2]
        s.3 += w[i + 3] * w[i + 3]
        s.4 += w[i + 4] * w[i + 4]
        s.5 += w[i + 5] * w[i + 5]
        s.6 += w[i + 6] * w[i + 6]
        s.7 += w[i + 7] * w[i + 7]
        i += 8
      }
      while i < count {   // the last count mod 8, into s0
        s.0 += w[i] * w[i]
        i += 1
      }
      total += ((s.0 + s.1) + (s.2 + s.3)) + ((s.4 + s.5) + (s.6 + s.7))
    }
    return total
  }

  // MARK: Backward

  /// Sends the output error back through every layer and fills in dW and db.
  ///
  /// δ[L] comes from the loss (A[L] − Y on the fused paths, else dA ∘ g′(Z[L])). Then for l = L, L−1, …, 1:
  ///
  ///     dW[l]  = (1/m) · δ[l] · A[l−1]ᵀ  (+ λ·W[l] with an L2 penalty)
  ///     db[l]  = (1/m) · Σ δ[l]                 (sum over the columns)
  ///     δ[l−1] = (W[l]ᵀ · δ[l]) ∘ g′(Z[l−1])    (W[l]ᵀ·δ[l] is dA_prev; skipped for l = 1)
  ///
  /// δ[l] is the per-sample error signal m·∂C/∂Z[l], so 1/m appears exactly once: in dW and db. Shapes: W[l] is
  /// n[l] × n[l−1]; Z[l], A[l] and δ[l] are n[l] × m. ∂C/∂X = (1/m)·W[1]ᵀ·δ[1] is computed only when asked for.
  ///
  /// With sample weights, column j of δ[L] is scaled by m·w_j / Σw, so the same 1/m gives Σ_j (w_j/Σw)·∂C_j/∂θ.
  /// With dropout, A[l−1] is the dropped M ∘ A[l−1] and dA_prev is multiplied by the same mask M before g′.
  func backward(inputGradient: Bool = false, l2: Scalar = 0) {
    let scale = 1 / Scalar(m)
    let last = layerCount - 1
    loss.outputDelta(
      z: z[last], a: a[last], y: y, rows: sizes[layerCount], columns: m, output: activation(last), into: delta[last],
      sampleScales: isWeighted ? UnsafePointer(sampleScales) : nil)

    for step in 0..<layerCount {   // l = L−1, …, 0 (a plain range: no iterator that could allocate, unoptimized)
      let l = layerCount - 1 - step
      let (outputs, inputs, weights, delta) = (sizes[l + 1], sizes[l], w(l), self.delta[l])
      if l == 0, let bytes = inputBytes {
        // dW = (1/m)·δ·Xᵀ with Xᵀ's panels packed from the bytes, as in the forward pass.
        bytes.withUnsafeBufferPointer { samples in
          Kernels.gemmFromBytes(
            transposeX: true, m: outputs, n: inputs, k: m, alpha: scale, a: delta, lda: m, aIsFinite: false,
            samples: samples.baseAddress!, offsets: offsets, c: dW[l], ldc: inputs)
        }
      } else {
        let aPrev = l == 0 ? x : layerOutput(l - 1)
        Kernels.gemm(
          transposeA: false, transposeB: true, m: outputs, n: inputs, k: m,
          alpha: scale, a: delta, lda: m, b: aPrev, ldb: m, beta: 0, c: dW[l], ldc: inputs)
      }
      if l2 != 0 {
        let dW = self.dW[l]
        for i in 0..<(outputs * inputs) { dW[i] += l2 * weights[i] }
      }
      if b(l) != nil {
        Kernels.rowSums(delta, rows: outputs, columns: m, scale: scale, into: db[l])
      }
      guard l > 0 || inputGradient else { continue }
      let dAPrev = l > 0 ? self.delta[l - 1] : self.inputGradient
      Kernels.gemm(
        transposeA: true, transposeB: false, m: inputs, n: m, k: outputs,
        alpha: l > 0 ? 1 : scale, a: weights, lda: inputs, b: delta, ldb: m, beta: 0, c: dAPrev, ldc: m)
      if l > 0 {
        maskGradient(dAPrev, layer: l - 1)
        activation(l - 1).backward(z: z[l - 1], a: a[l - 1], dAPrev, rows: inputs, columns: m)
      }
    }
  }
}

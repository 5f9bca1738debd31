/// The forward pass and the δ recursion of backpropagation, on the buffers of a `Workspace`.
///
/// Backpropagation is dynamic programming (seed 001): the error signal δ[l] = ∂C/∂Z[l] of each layer is computed
/// once, from the output back, and reused for that layer's gradients and for the layer before it.
extension Network {
  // MARK: Forward

  /// For l = 1 … L, with the m samples of the batch as columns:
  ///
  ///     Z[l] = W[l]·A[l−1] + b[l]      (b[l] added to every column)
  ///     A[l] = g_l(Z[l])
  ///
  /// Z[l] and A[l] stay in the workspace: the backward pass reads them. In a training step with dropout, each
  /// hidden layer's A[l] is kept as it is and the next layer reads M[l] ∘ A[l] (see `Workspace.drawDropoutMasks`).
  func forward(_ workspace: Workspace<Scalar>) {
    let m = workspace.m
    for l in layers.indices {
      // Sizes and activation as plain values; W and b read in place: a copy of the layer would retain and release
      // its two arrays, which shows in a tiny network's step.
      let (outputs, inputs, activation) = (layers[l].outputs, layers[l].inputs, layers[l].activation)
      let aPrev = l == 0 ? workspace.x : workspace.layerOutput(l - 1)
      let z = workspace.z[l]
      if l == 0, let bytes = workspace.inputBytes {
        // Z = W·X with X's panels packed from the bytes (X = b/255, the gather's values): the same bits, and X is
        // never written. Set only for Float networks on the native kernels.
        bytes.withUnsafeBufferPointer { samples in
          layers[l].weights.withUnsafeBufferPointer { w in
            Kernels.gemmFromBytes(
              transposeX: false, m: outputs, n: m, k: inputs, alpha: 1, a: w.baseAddress!, lda: inputs,
              aIsFinite: workspace.weightsAreKnownFinite(layer: l), samples: samples.baseAddress!,
              offsets: workspace.offsets, c: z, ldc: m)
          }
        }
      } else if m == 1, !workspace.transposedWeights.isEmpty {
        // Zero inputs (an image's background) add nothing to a finite W's sums: skipping them keeps the bits.
        let skipped = workspace.weightsAreKnownFinite(layer: l)
          && Kernels.gemvSkippingZeros(
            m: outputs, k: inputs, a: workspace.transposedWeights[l], lda: outputs, x: aPrev, c: z)
        if !skipped {
          Kernels.gemm(
            transposeA: true, transposeB: false, m: outputs, n: 1, k: inputs,
            alpha: 1, a: workspace.transposedWeights[l], lda: outputs, b: aPrev, ldb: 1, beta: 0, c: z, ldc: 1)
        }
      } else {
        layers[l].weights.withUnsafeBufferPointer { w in
          Kernels.gemm(
            transposeA: false, transposeB: false, m: outputs, n: m, k: inputs,
            alpha: 1, a: w.baseAddress!, lda: inputs, b: aPrev, ldb: m, beta: 0, c: z, ldc: m)
        }
      }
      // Z += b and A = g(Z): one pass in the C kernels where they have g (Float), else two.
      let fused = layers[l].biases.withUnsafeBufferPointer { b in
        Kernels.biasActivation(
          activation, bias: layers[l].hasBiases ? b.baseAddress! : nil, z: z, a: workspace.a[l], rows: outputs,
          columns: m)
      }
      if !fused {
        if layers[l].hasBiases {
          layers[l].biases.withUnsafeBufferPointer { Kernels.addToRows($0.baseAddress!, z, rows: outputs, columns: m) }
        }
        activation.apply(z, workspace.a[l], rows: outputs, columns: m)
      }
      workspace.applyDropout(layer: l)
    }
  }

  /// C of the outputs now in the workspace against its targets: the mean over the batch's samples (weighted by the
  /// sample weights when the batch has them), plus (λ/2)·Σ‖W[l]‖² when `l2` = λ is not 0.
  func cost(_ workspace: Workspace<Scalar>, l2: Scalar = 0) -> Scalar {
    let last = layers.count - 1
    let cost = loss.cost(
      z: workspace.z[last], a: workspace.a[last], y: workspace.y, rows: layers[last].outputs, columns: workspace.m,
      output: layers[last].activation, weights: workspace.isWeighted ? UnsafePointer(workspace.sampleWeights) : nil,
      weightSum: workspace.weightSum)
    return l2 == 0 ? cost : cost + l2 / 2 * squaredWeightNorm
  }

  /// Σ_l ‖W[l]‖², the sum of every weight's square (biases not included). Per layer, in a fixed order: eight running
  /// sums s_r over the elements i ≡ r (mod 8) of W (row-major) up to the last multiple of 8, the rest into s0, added as
  /// ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)), then the layers in turn. Independent sums run several times
  /// faster than one (the compiler keeps them in two vector registers), and the order never changes.
  var squaredWeightNorm: Scalar {
    var total: Scalar = 0
    for l in 0..<layers.count {
      layers[l].weights.withUnsafeBufferPointer { w in
        var s: (Scalar, Scalar, Scalar, Scalar, Scalar, Scalar, Scalar, Scalar) = (0, 0, 0, 0, 0, 0, 0, 0)
        var i = 0
        while i + 8 <= w.count {
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
        while i < w.count {   // the last count mod 8, into s0
          s.0 += w[i] * w[i]
          i += 1
        }
        total += ((s.0 + s.1) + (s.2 + s.3)) + ((s.4 + s.5) + (s.6 + s.7))
      }
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
  func backward(_ workspace: Workspace<Scalar>, inputGradient: Bool = false, l2: Scalar = 0) {
    let m = workspace.m
    let scale = 1 / Scalar(m)
    let last = layers.count - 1
    loss.outputDelta(
      z: workspace.z[last], a: workspace.a[last], y: workspace.y, rows: layers[last].outputs, columns: m,
      output: layers[last].activation, into: workspace.delta[last],
      sampleScales: workspace.isWeighted ? UnsafePointer(workspace.sampleScales) : nil)

    for step in 0..<layers.count {   // l = L−1, …, 0 (a plain range: no iterator that could allocate, unoptimized)
      let l = layers.count - 1 - step
      let (outputs, inputs) = (layers[l].outputs, layers[l].inputs)  // W read in place, as in the forward pass
      let delta = workspace.delta[l]
      if l == 0, let bytes = workspace.inputBytes {
        // dW = (1/m)·δ·Xᵀ with Xᵀ's panels packed from the bytes, as in the forward pass.
        bytes.withUnsafeBufferPointer { samples in
          Kernels.gemmFromBytes(
            transposeX: true, m: outputs, n: inputs, k: m, alpha: scale, a: delta, lda: m, aIsFinite: false,
            samples: samples.baseAddress!, offsets: workspace.offsets, c: workspace.dW[l], ldc: inputs)
        }
      } else {
        let aPrev = l == 0 ? workspace.x : workspace.layerOutput(l - 1)
        Kernels.gemm(
          transposeA: false, transposeB: true, m: outputs, n: inputs, k: m,
          alpha: scale, a: delta, lda: m, b: aPrev, ldb: m, beta: 0, c: workspace.dW[l], ldc: inputs)
      }
      if l2 != 0 {
        let dW = workspace.dW[l]
        layers[l].weights.withUnsafeBufferPointer { w in
          for i in 0..<w.count { dW[i] += l2 * w[i] }
        }
      }
      if layers[l].hasBiases {
        Kernels.rowSums(delta, rows: outputs, columns: m, scale: scale, into: workspace.db[l])
      }
      guard l > 0 || inputGradient else { continue }
      let dAPrev = l > 0 ? workspace.delta[l - 1] : workspace.inputGradient
      layers[l].weights.withUnsafeBufferPointer { w in
        Kernels.gemm(
          transposeA: true, transposeB: false, m: inputs, n: m, k: outputs,
          alpha: l > 0 ? 1 : scale, a: w.baseAddress!, lda: inputs, b: delta, ldb: m, beta: 0, c: dAPrev, ldc: m)
      }
      if l > 0 {
        workspace.maskGradient(dAPrev, layer: l - 1)
        layers[l - 1].activation.backward(
          z: workspace.z[l - 1], a: workspace.a[l - 1], dAPrev, rows: inputs, columns: m)
      }
    }
  }
}

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
  /// Z[l] and A[l] stay in the workspace: the backward pass reads them.
  func forward(_ workspace: Workspace<Scalar>) {
    let m = workspace.m
    for l in layers.indices {
      let layer = layers[l]
      let aPrev = l == 0 ? workspace.x : workspace.a[l - 1]
      let z = workspace.z[l]
      if m == 1, !workspace.transposedWeights.isEmpty {
        // Zero inputs (an image's background) add nothing to a finite W's sums: skipping them keeps the bits.
        let skipped = workspace.transposedWeightsAreFinite[l]
          && Kernels.gemvSkippingZeros(
            m: layer.outputs, k: layer.inputs, a: workspace.transposedWeights[l], lda: layer.outputs, x: aPrev, c: z)
        if !skipped {
          Kernels.gemm(
            transposeA: true, transposeB: false, m: layer.outputs, n: 1, k: layer.inputs,
            alpha: 1, a: workspace.transposedWeights[l], lda: layer.outputs, b: aPrev, ldb: 1, beta: 0, c: z, ldc: 1)
        }
      } else {
        layer.weights.withUnsafeBufferPointer { w in
          Kernels.gemm(
            transposeA: false, transposeB: false, m: layer.outputs, n: m, k: layer.inputs,
            alpha: 1, a: w.baseAddress!, lda: layer.inputs, b: aPrev, ldb: m, beta: 0, c: z, ldc: m)
        }
      }
      // Z += b and A = g(Z): one pass in the C kernels where they have g (Float), else two.
      let fused = layer.biases.withUnsafeBufferPointer { b in
        Kernels.biasActivation(
          layer.activation, bias: layer.hasBiases ? b.baseAddress! : nil, z: z, a: workspace.a[l], rows: layer.outputs,
          columns: m)
      }
      if !fused {
        if layer.hasBiases {
          layer.biases.withUnsafeBufferPointer { Kernels.addToRows($0.baseAddress!, z, rows: layer.outputs, columns: m) }
        }
        layer.activation.apply(z, workspace.a[l], rows: layer.outputs, columns: m)
      }
    }
  }

  /// C of the outputs now in the workspace against its targets.
  func cost(_ workspace: Workspace<Scalar>) -> Scalar {
    let last = layers.count - 1
    return loss.cost(
      z: workspace.z[last], a: workspace.a[last], y: workspace.y, rows: layers[last].outputs, columns: workspace.m,
      output: layers[last].activation)
  }

  // MARK: Backward

  /// Sends the output error back through every layer and fills in dW and db.
  ///
  /// δ[L] comes from the loss (A[L] − Y on the fused paths, else dA ∘ g′(Z[L])). Then for l = L, L−1, …, 1:
  ///
  ///     dW[l]  = (1/m) · δ[l] · A[l−1]ᵀ
  ///     db[l]  = (1/m) · Σ δ[l]                 (sum over the columns)
  ///     δ[l−1] = (W[l]ᵀ · δ[l]) ∘ g′(Z[l−1])    (W[l]ᵀ·δ[l] is dA_prev; skipped for l = 1)
  ///
  /// δ[l] is the per-sample error signal m·∂C/∂Z[l], so 1/m appears exactly once: in dW and db. Shapes: W[l] is
  /// n[l] × n[l−1]; Z[l], A[l] and δ[l] are n[l] × m. ∂C/∂X = (1/m)·W[1]ᵀ·δ[1] is computed only when asked for.
  func backward(_ workspace: Workspace<Scalar>, inputGradient: Bool = false) {
    let m = workspace.m
    let scale = 1 / Scalar(m)
    let last = layers.count - 1
    loss.outputDelta(
      z: workspace.z[last], a: workspace.a[last], y: workspace.y, rows: layers[last].outputs, columns: m,
      output: layers[last].activation, into: workspace.delta[last])

    for step in 0..<layers.count {   // l = L−1, …, 0 (a plain range: no iterator that could allocate, unoptimized)
      let l = layers.count - 1 - step
      let layer = layers[l]
      let delta = workspace.delta[l]
      let aPrev = l == 0 ? workspace.x : workspace.a[l - 1]
      Kernels.gemm(
        transposeA: false, transposeB: true, m: layer.outputs, n: layer.inputs, k: m,
        alpha: scale, a: delta, lda: m, b: aPrev, ldb: m, beta: 0, c: workspace.dW[l], ldc: layer.inputs,
        scratch: workspace.scratch)
      if layer.hasBiases {
        Kernels.rowSums(delta, rows: layer.outputs, columns: m, scale: scale, into: workspace.db[l])
      }
      guard l > 0 || inputGradient else { continue }
      let dAPrev = l > 0 ? workspace.delta[l - 1] : workspace.inputGradient
      layer.weights.withUnsafeBufferPointer { w in
        Kernels.gemm(
          transposeA: true, transposeB: false, m: layer.inputs, n: m, k: layer.outputs,
          alpha: l > 0 ? 1 : scale, a: w.baseAddress!, lda: layer.inputs, b: delta, ldb: m, beta: 0, c: dAPrev, ldc: m)
      }
      if l > 0 {
        layers[l - 1].activation.backward(
          z: workspace.z[l - 1], a: workspace.a[l - 1], dAPrev, rows: layer.inputs, columns: m)
      }
    }
  }
}

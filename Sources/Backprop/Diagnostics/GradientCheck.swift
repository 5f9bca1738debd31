/// Checks backpropagation against finite differences, in Float64, tensor by tensor.
///
/// For every parameter θ (each entry of each W[l] and b[l]) the cost is evaluated at four nearby points and the
/// derivative estimated by the fourth-order central difference
///
///     ∂C/∂θ ≈ (C(θ − 2h) − 8·C(θ − h) + 8·C(θ + h) − C(θ + 2h)) / (12h),     h = 1e-5 by default,
///
/// whose truncation error (h⁴) is far below the round-off (ε·C/h ≈ 1e-11), so a correct backward pass agrees to
/// about 1e-9 or better. Each tensor gets the normwise relative error ‖g − ĝ‖₂ / max(‖g‖₂, ‖ĝ‖₂) between the
/// backpropagated gradient g and the estimate ĝ (0 when both are 0), and the largest entrywise difference.
///
/// The cost is the one ``Network/cost(inputs:targets:sampleWeights:regularization:)`` defines: the mean over the
/// batch (weighted when `sampleWeights` are given), plus the L2 penalty of `regularization`. Dropout is refused.
///
/// **Kinks.** ReLU and leaky ReLU have a kink at z = 0, where the cost is not differentiable. When moving θ to one
/// of the four points θ ± h, θ ± 2h puts some pre-activation Z entry of such a layer on the other side of 0 than at
/// θ, the difference quotient straddles the kink and says nothing about the derivative backpropagation computes (a
/// one-sided one). The check sees this (it compares the signs of those Z entries at every point with the ones at
/// θ), counts such parameters per tensor in ``Tensor/kinkCrossings``, and leaves them out of the comparison.
public struct GradientCheck: Sendable, Equatable {
  /// The comparison for one parameter tensor.
  public struct Tensor: Sendable, Codable, Equatable {
    /// `W1`, `b1`, `W2`, … (layers counted from 1, as in the seeds).
    public var name: String
    public var rows: Int
    public var columns: Int
    /// ‖g − ĝ‖₂ / max(‖g‖₂, ‖ĝ‖₂), over the entries whose estimate did not straddle a kink.
    public var relativeError: Double
    /// max |gᵢ − ĝᵢ|, over the same entries.
    public var maxAbsoluteError: Double
    /// ‖g‖₂ over the whole tensor, to judge how meaningful the relative error is.
    public var gradientNorm: Double
    /// How many entries were left out because a finite-difference point put a ReLU or leaky-ReLU pre-activation
    /// across its kink at 0.
    public var kinkCrossings: Int = 0
  }

  /// One entry per parameter tensor: W1, b1, W2, b2, … (b omitted for layers without biases).
  public var tensors: [Tensor]
  /// The finite-difference step h.
  public var step: Double
  /// The backpropagated gradients g.
  public var analytic: Gradients<Double>
  /// The finite-difference estimates ĝ.
  public var numeric: Gradients<Double>

  /// The largest relative error over all tensors.
  public var maxRelativeError: Double { tensors.map(\.relativeError).max() ?? 0 }

  /// The parameters left out of the comparison because their finite differences straddled a kink.
  public var kinkCrossings: Int { tensors.reduce(0) { $0 + $1.kinkCrossings } }

  /// Whether every tensor's relative error is at most `tolerance`.
  public func passed(tolerance: Double) -> Bool { maxRelativeError <= tolerance }

  /// Runs the check for `network` on a batch (inputs n[0] × m, targets n[L] × m), for the cost with the given
  /// sample weights (one per sample, or nil) and L2 penalty.
  ///
  /// - Throws: `BackpropError` for shapes that do not fit, values that are not finite, or dropout.
  public init(
    network: Network<Double>, inputs: Matrix<Double>, targets: Matrix<Double>, sampleWeights: [Double]? = nil,
    regularization: Regularization = .none, step h: Double = 1e-5
  ) throws {
    guard h.isFinite, h > 0 else {
      throw BackpropError.invalidArgument(name: "step", value: "\(h)", expected: "a finite number greater than 0")
    }
    let analytic = try network.gradients(
      inputs: inputs, targets: targets, sampleWeights: sampleWeights, regularization: regularization)
    let shifted = ShiftedCost(
      network: network, inputs: inputs, targets: targets, sampleWeights: sampleWeights, l2: regularization.l2)
    /// The estimate for W[l][i, j] (b[l][i] when j is nil), and whether one of its points crossed a kink.
    func derivative(layer l: Int, row i: Int, column j: Int?) -> (Double, Bool) {
      var crossed = false
      func cost(at offset: Double) -> Double {
        let (cost, kink) = shifted.cost(layer: l, row: i, column: j, offset: offset)
        crossed = crossed || kink
        return cost
      }
      let estimate = (cost(at: -2 * h) - 8 * cost(at: -h) + 8 * cost(at: h) - cost(at: 2 * h)) / (12 * h)
      return (estimate, crossed)
    }

    var numeric = analytic
    var tensors: [Tensor] = []
    for l in network.layers.indices {
      let w = network.layers[l].weights
      var crossedWeights = [Bool](repeating: false, count: w.scalars.count)
      for i in 0..<w.rows {
        for j in 0..<w.columns {
          (numeric.weights[l][i, j], crossedWeights[i * w.columns + j]) = derivative(layer: l, row: i, column: j)
        }
      }
      tensors.append(Self.compare(
        "W\(l + 1)", rows: w.rows, columns: w.columns, analytic.weights[l].scalars, numeric.weights[l].scalars,
        skipping: crossedWeights))
      guard network.layers[l].hasBiases else { continue }
      var crossedBiases = [Bool](repeating: false, count: w.rows)
      for i in 0..<w.rows {
        (numeric.biases[l][i], crossedBiases[i]) = derivative(layer: l, row: i, column: nil)
      }
      tensors.append(Self.compare(
        "b\(l + 1)", rows: w.rows, columns: 1, analytic.biases[l], numeric.biases[l], skipping: crossedBiases))
    }
    self.tensors = tensors
    self.step = h
    self.analytic = analytic
    self.numeric = numeric
  }

  /// The comparison of g and ĝ over the entries not marked in `skipping`; ‖g‖ over all of them.
  static func compare(
    _ name: String, rows: Int, columns: Int, _ g: [Double], _ estimate: [Double], skipping: [Bool]? = nil
  ) -> Tensor {
    func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
    let kept = g.indices.filter { !(skipping?[$0] ?? false) }
    let compared = kept.map { g[$0] }, estimated = kept.map { estimate[$0] }
    let difference = zip(compared, estimated).map { $0 - $1 }
    let scale = max(norm(compared), norm(estimated))
    return Tensor(
      name: name, rows: rows, columns: columns, relativeError: scale == 0 ? 0 : norm(difference) / scale,
      maxAbsoluteError: difference.map(abs).max() ?? 0, gradientNorm: norm(g), kinkCrossings: g.count - kept.count)
  }
}

/// The cost with one parameter moved by δ, from the forward pass at θ. Moving W[l][i, j] (or b[l][i]) changes only
/// row i of Z[l], by δ·A[l−1][j, ·] (or δ), so only that row is updated, A[l] = g(Z[l]) recomputed, and the layers
/// after l run forward again; the layers before l are not touched. Up to rounding in the last bits of Z[l]'s row
/// (which is not summed again), this is the cost of the network with the parameter moved, at a small fraction of
/// a whole forward pass, which is what makes checking every parameter of an MNIST model take seconds.
///
/// It also tells whether the move put a pre-activation of a ReLU or leaky-ReLU layer on the other side of 0 than at
/// θ (a kink crossed).
private final class ShiftedCost {
  let network: Network<Double>
  /// The pass at θ; the moved layer's Z and A are changed for one evaluation, then restored.
  let workspace: Workspace<Double>
  /// Z[l] and A[l] at θ, per layer.
  let baseZ: [[Double]], baseA: [[Double]]
  /// Per layer l but the last: the layers after l as a network, and a workspace whose X is A[l].
  let tails: [(network: Network<Double>, workspace: Workspace<Double>)?]
  /// Per layer, whether each Z entry is > 0 at θ; empty for a layer without a kink.
  let sides: [[Bool]]
  /// λ and Σ‖W‖² at θ, for the L2 penalty.
  let l2: Double, squaredNorm: Double

  init(network: Network<Double>, inputs: Matrix<Double>, targets: Matrix<Double>, sampleWeights: [Double]?, l2: Double) {
    let m = inputs.columns, layers = network.layers
    let workspace = Workspace<Double>(sizes: network.sizes, capacity: m)
    workspace.load(inputs: inputs, targets: targets, sampleWeights: sampleWeights)
    let norm = network.withParameters(boundIn: workspace) {
      workspace.forward()
      return workspace.squaredWeightNorm
    }
    let baseZ = layers.indices.map { Array(UnsafeBufferPointer(start: workspace.z[$0], count: layers[$0].outputs * m)) }
    let baseA = layers.indices.map { Array(UnsafeBufferPointer(start: workspace.a[$0], count: layers[$0].outputs * m)) }
    tails = layers.indices.map { l in
      guard l < layers.count - 1 else { return nil }
      let tail = try! Network(layers: Array(layers[(l + 1)...]), loss: network.loss)
      let tailWorkspace = Workspace<Double>(sizes: tail.sizes, capacity: m)
      tailWorkspace.load(
        inputs: try! Matrix(rows: layers[l].outputs, columns: m, scalars: baseA[l]), targets: targets,
        sampleWeights: sampleWeights)
      return (tail, tailWorkspace)
    }
    sides = layers.indices.map { l in [.relu, .leakyReLU].contains(layers[l].activation) ? baseZ[l].map { $0 > 0 } : [] }
    self.network = network
    self.workspace = workspace
    self.baseZ = baseZ
    self.baseA = baseA
    self.l2 = l2
    squaredNorm = norm
  }

  /// C with W[l][i, j] (b[l][i] when `j` is nil) moved by `offset`, and whether a kink was crossed.
  func cost(layer l: Int, row i: Int, column j: Int?, offset: Double) -> (cost: Double, crossed: Bool) {
    let layer = network.layers[l], m = workspace.m, n = layer.outputs
    let z = workspace.z[l], a = workspace.a[l], row = i * m
    let input = j.map { (l == 0 ? workspace.x : workspace.a[l - 1]) + $0 * m }
    for s in 0..<m { z[row + s] = baseZ[l][row + s] + offset * (input?[s] ?? 1) }
    // A unit-by-unit g changes only row i; softmax mixes the column, so it runs on the whole layer.
    let whole = layer.activation == .softmax
    layer.activation.apply(whole ? z : z + row, whole ? a : a + row, rows: whole ? n : 1, columns: m)

    let cost: Double
    var crossed = sides[l].isEmpty ? false : (0..<m).contains { (z[row + $0] > 0) != sides[l][row + $0] }
    if let (tail, tailWorkspace) = tails[l] {
      tailWorkspace.x.update(from: a, count: n * m)
      cost = tail.withParameters(boundIn: tailWorkspace) {
        tailWorkspace.forward()
        return tailWorkspace.cost()
      }
      for k in (l + 1)..<sides.count where !crossed && !sides[k].isEmpty {
        let tz = tailWorkspace.z[k - l - 1]
        crossed = sides[k].indices.contains { (tz[$0] > 0) != sides[k][$0] }
      }
    } else {
      cost = network.withParameters(boundIn: workspace) { workspace.cost() }
    }

    for s in 0..<m { z[row + s] = baseZ[l][row + s] }
    let restored = whole ? 0..<(n * m) : row..<(row + m)
    for e in restored { a[e] = baseA[l][e] }
    guard l2 != 0 else { return (cost, crossed) }
    // Σ‖W‖² with w moved to w + δ: the sum at θ plus δ·(2w + δ).
    let moved = j.map { offset * (2 * layer.weights[i, $0] + offset) } ?? 0
    return (cost + l2 / 2 * (squaredNorm + moved), crossed)
  }
}

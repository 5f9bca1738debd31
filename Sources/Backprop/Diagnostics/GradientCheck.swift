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
/// A kink of ReLU or leaky ReLU within 2h of some Z entry can make the estimate wrong where backprop is right;
/// with random inputs that is rare, and a different seed avoids it.
public struct GradientCheck: Sendable, Equatable {
  /// The comparison for one parameter tensor.
  public struct Tensor: Sendable, Codable, Equatable {
    /// `W1`, `b1`, `W2`, … (layers counted from 1, as in the seeds).
    public var name: String
    public var rows: Int
    public var columns: Int
    /// ‖g − ĝ‖₂ / max(‖g‖₂, ‖ĝ‖₂).
    public var relativeError: Double
    /// max |gᵢ − ĝᵢ|.
    public var maxAbsoluteError: Double
    /// ‖g‖₂, to judge how meaningful the relative error is.
    public var gradientNorm: Double
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

  /// Whether every tensor's relative error is at most `tolerance`.
  public func passed(tolerance: Double) -> Bool { maxRelativeError <= tolerance }

  /// Runs the check for `network` on a batch (inputs n[0] × m, targets n[L] × m).
  ///
  /// - Throws: `BackpropError` for shapes that do not fit or values that are not finite.
  public init(network: Network<Double>, inputs: Matrix<Double>, targets: Matrix<Double>, step h: Double = 1e-5) throws {
    guard h.isFinite, h > 0 else {
      throw BackpropError.invalidArgument(name: "step", value: "\(h)", expected: "a finite number greater than 0")
    }
    let analytic = try network.gradients(inputs: inputs, targets: targets)
    let workspace = Workspace<Double>(sizes: network.sizes, capacity: inputs.columns)
    workspace.load(inputs: inputs, targets: targets)
    var probe = network
    func evaluate() -> Double {
      probe.forward(workspace)
      return probe.cost(workspace)
    }
    func derivative(_ parameter: WritableKeyPath<Network<Double>, Double>) -> Double {
      let original = probe[keyPath: parameter]
      func cost(at offset: Double) -> Double {
        probe[keyPath: parameter] = original + offset
        return evaluate()
      }
      let estimate = (cost(at: -2 * h) - 8 * cost(at: -h) + 8 * cost(at: h) - cost(at: 2 * h)) / (12 * h)
      probe[keyPath: parameter] = original
      return estimate
    }

    var numeric = analytic
    for l in network.layers.indices {
      for i in 0..<network.layers[l].weights.rows {
        for j in 0..<network.layers[l].weights.columns {
          numeric.weights[l][i, j] = derivative(\.layers[l].weights[i, j])
        }
      }
      for i in network.layers[l].biases.indices {
        numeric.biases[l][i] = derivative(\.layers[l].biases[i])
      }
    }

    var tensors: [Tensor] = []
    for l in network.layers.indices {
      let w = network.layers[l].weights
      tensors.append(Self.compare(
        "W\(l + 1)", rows: w.rows, columns: w.columns, analytic.weights[l].scalars, numeric.weights[l].scalars))
      if network.layers[l].hasBiases {
        tensors.append(Self.compare(
          "b\(l + 1)", rows: w.rows, columns: 1, analytic.biases[l], numeric.biases[l]))
      }
    }
    self.tensors = tensors
    self.step = h
    self.analytic = analytic
    self.numeric = numeric
  }

  static func compare(_ name: String, rows: Int, columns: Int, _ g: [Double], _ estimate: [Double]) -> Tensor {
    func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
    let difference = zip(g, estimate).map { $0 - $1 }
    let scale = max(norm(g), norm(estimate))
    return Tensor(
      name: name, rows: rows, columns: columns, relativeError: scale == 0 ? 0 : norm(difference) / scale,
      maxAbsoluteError: difference.map(abs).max() ?? 0, gradientNorm: norm(g))
  }
}

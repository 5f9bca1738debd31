/// Limited-memory BFGS (Liu and Nocedal, 1989) with a strong-Wolfe line search: a full-batch quasi-Newton method
/// that minimizes a network's cost C over all its parameters at once.
///
/// It is not an ``Optimizer``: each iteration needs the whole parameter vector w (W[1], b[1], W[2], b[2], …, each
/// matrix row by row) and several evaluations of C and ∇C on the same data, which a per-tensor rule never sees. With
/// g = ∇C(w) and the last m pairs s = w_new − w_old, y = g_new − g_old kept (oldest first), iteration k is
///
///     d := −H·g                  (H ≈ (∇²C)⁻¹ by the two-loop recursion over the m pairs, scaled by sᵀy / yᵀy)
///     α := a step along d meeting the strong Wolfe conditions
///              C(w + α·d) ≤ C(w) + c₁·α·gᵀd   and   |∇C(w + α·d)ᵀd| ≤ c₂·|gᵀd|
///     w := w + α·d
///
/// with c₁ = 1e-4 and c₂ = 0.9 (Nocedal and Wright, Numerical Optimization, algorithms 7.4, 3.5 and 3.6; cubic
/// interpolation as PyTorch's `torch.optim.LBFGS(line_search_fn="strong_wolfe")`). The first iteration has no pairs:
/// d = −g, and its first trial step is α = min(1, 1/‖g‖₁); later ones try α = 1 first. A pair whose curvature sᵀy is
/// not positive is not kept.
///
/// It stops when ‖g‖∞ ≤ ``tolerance``, when a step's largest component falls to ``changeTolerance`` or C falls by
/// no more than ``changeTolerance``·|C| in an iteration, after
/// ``maxIterations`` iterations or ``maxEvaluations`` evaluations, or when the line search finds no lower cost.
/// Everything is computed in `Double` in a fixed order, so the same network and data give the same bits.
///
/// ```swift
/// let result = try LBFGS(maxIterations: 50).minimize(&network, inputs: x, targets: y)
/// print(result.costs.last!, result.stop)
/// ```
public struct LBFGS: Sendable, Equatable, Codable {
  /// m, the number of (s, y) pairs kept.
  public var history: Int
  /// Stop when every component of ∇C is at most this in size.
  public var tolerance: Double
  /// Stop when a step's largest component is at most this, or C falls by at most this·|C| in an iteration.
  public var changeTolerance: Double
  /// The most iterations (line searches).
  public var maxIterations: Int
  /// The most evaluations of C and ∇C in all, or nil for no limit beyond the iterations' (each line search tries
  /// at most 25 steps).
  public var maxEvaluations: Int?

  /// c₁, the sufficient decrease of the Wolfe conditions.
  static let sufficientDecrease = 1e-4
  /// c₂, the curvature condition.
  static let curvature = 0.9
  /// Trial steps per line search.
  static let lineSearchSteps = 25

  /// - Throws: `BackpropError.invalidArgument` unless `history` and `maxIterations` are at least 1, the
  ///   tolerances finite and ≥ 0, and `maxEvaluations`, when given, at least 1.
  public init(
    history: Int = 10, tolerance: Double = 1e-7, changeTolerance: Double = 1e-12, maxIterations: Int = 100,
    maxEvaluations: Int? = nil
  ) throws {
    for (name, value) in [("history", history), ("maximum iterations", maxIterations), ("maximum evaluations", maxEvaluations ?? 1)]
    where value < 1 {
      throw BackpropError.invalidArgument(name: name, value: "\(value)", expected: "at least 1")
    }
    try Hyperparameter.nonNegative(tolerance, "tolerance")
    try Hyperparameter.nonNegative(changeTolerance, "change tolerance")
    self.history = history
    self.tolerance = tolerance
    self.changeTolerance = changeTolerance
    self.maxIterations = maxIterations
    self.maxEvaluations = maxEvaluations
  }

  /// What a minimization did.
  public struct Result: Sendable, Equatable {
    /// Why it stopped.
    public enum Stop: String, Sendable, Equatable {
      /// ‖∇C‖∞ ≤ ``LBFGS/tolerance``.
      case gradientTolerance
      /// A step of at most ``LBFGS/changeTolerance``, or a decrease of C of at most ``LBFGS/changeTolerance``·|C|.
      case noProgress
      /// ``LBFGS/maxIterations`` reached.
      case maxIterations
      /// ``LBFGS/maxEvaluations`` reached.
      case maxEvaluations
      /// The line search found no step that lowers C enough (w is left where it was).
      case lineSearchFailed
    }

    /// Iterations done (each one line search and one step).
    public var iterations: Int
    /// Evaluations of C and ∇C, the first included.
    public var evaluations: Int
    /// C at the start, then after each iteration: `iterations + 1` values.
    public var costs: [Double]
    /// ‖∇C‖∞ at the end.
    public var gradientNorm: Double
    public var stop: Stop

    /// C at the end.
    public var cost: Double { costs[costs.count - 1] }
  }

  // MARK: Networks

  /// Minimizes `network`'s cost C on the whole batch `inputs` (n[0] × m) and `targets` (n[L] × m), changing its
  /// weights and biases in place. Each evaluation is one forward and one backward pass; the parameters are kept in
  /// `Double` between them and rounded to `Scalar` for each pass.
  ///
  /// - Throws: `BackpropError` for shapes that do not fit or values that are not finite, and
  ///   `BackpropError.diverged` if the cost at the start is not finite.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func minimize<Scalar: BackpropScalar>(
    _ network: inout Network<Scalar>, inputs: Matrix<Scalar>, targets: Matrix<Scalar>
  ) throws -> Result {
    try network.checkInputs(inputs, targets: targets)
    let workspace = Workspace<Scalar>(sizes: network.sizes, capacity: inputs.columns)
    workspace.load(inputs: inputs, targets: targets)
    return try minimize(&network, loaded: workspace, l2: 0)
  }

  /// Minimizes `network`'s cost on every sample of `data` as one batch (standardized and weighted as a training
  /// epoch would be), plus the L2 penalty (λ/2)·Σ‖W‖² when `l2` > 0.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func minimize<Scalar: BackpropScalar>(
    _ network: inout Network<Scalar>, on data: Dataset, standardization: Standardization? = nil, l2: Double = 0
  ) throws -> Result {
    try network.check(data, standardization: standardization)
    let workspace = Workspace<Scalar>(sizes: network.sizes, capacity: data.count)
    let all = Array(0..<data.count)[...]
    workspace.gather(data, indices: all, standardization: standardization)
    workspace.loadSampleWeights(data.sampleWeights, indices: all)
    return try minimize(&network, loaded: workspace, l2: Scalar(l2))
  }

  /// The minimization on the batch loaded in `workspace`.
  private func minimize<Scalar: BackpropScalar>(
    _ network: inout Network<Scalar>, loaded workspace: Workspace<Scalar>, l2: Scalar
  ) throws -> Result {
    var x = network.parameterVector
    var trial = network
    let result = try minimize(&x) { point in
      trial.setParameters(point)
      let cost = trial.withParameters(boundIn: workspace) { () -> Scalar in
        workspace.forward()
        let cost = workspace.cost(l2: l2)
        if cost.isFinite { workspace.backward(l2: l2) }
        return cost
      }
      guard cost.isFinite else { return (Double(cost), []) }
      return (Double(cost), trial.gradientVector(in: workspace))
    }
    network.setParameters(x)
    return result
  }

  // MARK: Any smooth function

  /// Minimizes a smooth function f of a vector from `x`, leaving the minimizer found in `x`. `function` returns
  /// f(x) and ∇f(x); a value that is not finite (a step too far) may come with an empty gradient.
  ///
  /// - Throws: what `function` throws, and `BackpropError.diverged` if f(x) at the start is not finite.
  public func minimize(
    _ x: inout [Double], _ function: ([Double]) throws -> (cost: Double, gradient: [Double])
  ) throws -> Result {
    var evaluations = 0
    var origin = x
    func evaluate(_ alpha: Double, along d: [Double]) throws -> Point {
      evaluations += 1
      let point = zip(origin, d).map { $0 + alpha * $1 }
      let (cost, gradient) = try function(point)
      guard cost.isFinite, gradient.count == point.count else {
        return Point(alpha: alpha, cost: .infinity, gradient: [], slope: .nan)
      }
      return Point(alpha: alpha, cost: cost, gradient: gradient, slope: dot(gradient, d))
    }

    var current = try evaluate(0, along: [Double](repeating: 0, count: x.count))
    guard current.cost.isFinite else {
      throw BackpropError.diverged(step: 0, cost: current.cost, hint: "the cost at the start is not finite")
    }
    var costs = [current.cost]
    var pairs: [(s: [Double], y: [Double], rho: Double)] = []
    var iterations = 0
    func result(_ stop: Result.Stop) -> Result {
      Result(iterations: iterations, evaluations: evaluations, costs: costs, gradientNorm: maxNorm(current.gradient),
             stop: stop)
    }

    while true {
      if maxNorm(current.gradient) <= tolerance { return result(.gradientTolerance) }
      if iterations == maxIterations { return result(.maxIterations) }
      if let maxEvaluations, evaluations >= maxEvaluations { return result(.maxEvaluations) }

      var d = direction(current.gradient, pairs: pairs)
      var slope = dot(current.gradient, d)
      if !(slope < 0) {   // not a descent direction (rounding in H): forget the pairs and go down the gradient
        pairs.removeAll()
        d = current.gradient.map { -$0 }
        slope = dot(current.gradient, d)
      }
      let firstStep = pairs.isEmpty ? min(1, 1 / current.gradient.reduce(0) { $0 + abs($1) }) : 1
      let start = Point(alpha: 0, cost: current.cost, gradient: current.gradient, slope: slope)
      guard let next = try lineSearch(from: start, firstStep: firstStep, budget: { evaluations }, { try evaluate($0, along: d) })
      else {
        return result(maxEvaluations.map { evaluations >= $0 } == true ? .maxEvaluations : .lineSearchFailed)
      }

      iterations += 1
      let s = d.map { next.alpha * $0 }
      let y = zip(next.gradient, current.gradient).map { $0 - $1 }
      let curvature = dot(s, y)
      if curvature > 0 {
        if pairs.count == history { pairs.removeFirst() }
        pairs.append((s, y, 1 / curvature))
      }
      x = zip(origin, s).map { $0 + $1 }
      origin = x
      let decrease = current.cost - next.cost
      current = next
      costs.append(current.cost)
      if maxNorm(current.gradient) > tolerance,
        maxNorm(s) <= changeTolerance || decrease <= changeTolerance * abs(costs[costs.count - 2])
      {
        return result(.noProgress)
      }
    }
  }

  // MARK: The two-loop recursion

  /// −H·g, H the inverse-Hessian estimate from the pairs (oldest first), scaled by sᵀy / yᵀy of the newest.
  func direction(_ g: [Double], pairs: [(s: [Double], y: [Double], rho: Double)]) -> [Double] {
    var q = g
    var a = [Double](repeating: 0, count: pairs.count)
    for i in pairs.indices.reversed() {
      a[i] = pairs[i].rho * dot(pairs[i].s, q)
      axpy(-a[i], pairs[i].y, &q)
    }
    if let newest = pairs.last {
      let gamma = 1 / (newest.rho * dot(newest.y, newest.y))
      for j in q.indices { q[j] *= gamma }
    }
    for i in pairs.indices {
      let b = pairs[i].rho * dot(pairs[i].y, q)
      axpy(a[i] - b, pairs[i].s, &q)
    }
    return q.map { -$0 }
  }

  // MARK: The line search

  /// φ(α) = C(w + α·d) at one trial step: the cost, the gradient there and the slope φ′(α) = ∇Cᵀd. A cost that is
  /// not finite is +∞, with no gradient and a NaN slope.
  struct Point {
    var alpha: Double
    var cost: Double
    var gradient: [Double]
    var slope: Double
  }

  /// A step meeting the strong Wolfe conditions (Nocedal and Wright, algorithm 3.5), or the lowest point found
  /// with a sufficient decrease, or nil when there is none.
  func lineSearch(
    from start: Point, firstStep: Double, budget evaluations: () -> Int, _ phi: (Double) throws -> Point
  ) throws -> Point? {
    let decreaseBound = { (alpha: Double) in start.cost + Self.sufficientDecrease * alpha * start.slope }
    let curvatureBound = -Self.curvature * start.slope
    var previous = start
    var alpha = firstStep
    for trial in 0..<Self.lineSearchSteps {
      if let maxEvaluations, evaluations() >= maxEvaluations { break }
      let point = try phi(alpha)
      if !point.cost.isFinite || point.cost > decreaseBound(alpha) || (trial > 0 && point.cost >= previous.cost) {
        return try zoom(low: previous, high: point, start: start, budget: evaluations, phi)
      }
      if abs(point.slope) <= curvatureBound { return point }
      if point.slope >= 0 { return try zoom(low: point, high: previous, start: start, budget: evaluations, phi) }
      // Still going down: extrapolate, at least 1% past this step and at most 10 times it.
      let next = cubicMinimum(previous, point, within: alpha + 0.01 * (alpha - previous.alpha), 10 * alpha)
      previous = point
      alpha = next
    }
    return previous.alpha > 0 ? previous : nil
  }

  /// Narrows [low, high] (either order) to a step meeting the strong Wolfe conditions (Nocedal and Wright,
  /// algorithm 3.6). `low` is always the lowest point with a sufficient decrease seen so far.
  func zoom(
    low: Point, high: Point, start: Point, budget evaluations: () -> Int, _ phi: (Double) throws -> Point
  ) throws -> Point? {
    var low = low, high = high
    for _ in 0..<Self.lineSearchSteps {
      if let maxEvaluations, evaluations() >= maxEvaluations { break }
      let lower = min(low.alpha, high.alpha), upper = max(low.alpha, high.alpha), width = upper - lower
      guard width > Double.ulpOfOne * upper else { break }   // no room left between two doubles
      // Cubic interpolation, or bisection when it lands within 10% of either end (or has no finite value).
      var alpha = cubicMinimum(low, high, within: lower, upper)
      if !(alpha > lower + 0.1 * width && alpha < upper - 0.1 * width) { alpha = lower + width / 2 }
      let point = try phi(alpha)
      if !point.cost.isFinite || point.cost > start.cost + Self.sufficientDecrease * alpha * start.slope
        || point.cost >= low.cost
      {
        high = point
      } else {
        if abs(point.slope) <= -Self.curvature * start.slope { return point }
        if point.slope * (high.alpha - low.alpha) >= 0 { high = low }
        low = point
      }
    }
    return low.alpha > 0 ? low : nil
  }

  /// The minimizer of the cubic through (a.α, a.cost) and (b.α, b.cost) with slopes a.slope and b.slope, kept in
  /// [lower, upper]; their midpoint when the cubic has no minimum or a value is not finite.
  func cubicMinimum(_ a: Point, _ b: Point, within lower: Double, _ upper: Double) -> Double {
    let d1 = a.slope + b.slope - 3 * (a.cost - b.cost) / (a.alpha - b.alpha)
    let square = d1 * d1 - a.slope * b.slope
    guard square >= 0 else { return (lower + upper) / 2 }
    let d2 = square.squareRoot()
    let alpha = a.alpha <= b.alpha
      ? b.alpha - (b.alpha - a.alpha) * (b.slope + d2 - d1) / (b.slope - a.slope + 2 * d2)
      : a.alpha - (a.alpha - b.alpha) * (a.slope + d2 - d1) / (a.slope - b.slope + 2 * d2)
    guard alpha.isFinite else { return (lower + upper) / 2 }
    return min(max(alpha, lower), upper)
  }
}

// MARK: Vectors

private func dot(_ a: [Double], _ b: [Double]) -> Double {
  var sum = 0.0
  for i in a.indices { sum += a[i] * b[i] }
  return sum
}

/// y := y + a·x.
private func axpy(_ a: Double, _ x: [Double], _ y: inout [Double]) {
  for i in y.indices { y[i] += a * x[i] }
}

/// max |xᵢ|, 0 for an empty vector.
private func maxNorm(_ x: [Double]) -> Double {
  x.reduce(0) { max($0, abs($1)) }
}

// MARK: The parameter vector

extension Network {
  /// W[1] row by row, b[1], W[2], b[2], …: the order of ``Trainer``'s tensors, a layer without biases adding none.
  var parameterVector: [Double] {
    var x: [Double] = []
    x.reserveCapacity(parameterCount)
    for layer in layers {
      x.append(contentsOf: layer.weights.scalars.lazy.map(Double.init))
      x.append(contentsOf: layer.biases.lazy.map(Double.init))
    }
    return x
  }

  /// Sets every weight and bias from a vector laid out as ``parameterVector``, rounding to `Scalar`.
  mutating func setParameters(_ x: [Double]) {
    var k = 0
    for l in layers.indices {
      layers[l].weights.withUnsafeMutableBufferPointer { w in
        for i in w.indices { w[i] = Scalar(x[k + i]) }
        k += w.count
      }
      for i in layers[l].biases.indices { layers[l].biases[i] = Scalar(x[k + i]) }
      k += layers[l].biases.count
    }
  }

  /// dW[1], db[1], dW[2], … from the workspace after a backward pass, laid out as ``parameterVector``.
  func gradientVector(in workspace: Workspace<Scalar>) -> [Double] {
    var g: [Double] = []
    g.reserveCapacity(parameterCount)
    for l in layers.indices {
      let layer = layers[l]
      g.append(contentsOf: UnsafeBufferPointer(start: workspace.dW[l], count: layer.weights.scalars.count).lazy.map(Double.init))
      if layer.hasBiases {
        g.append(contentsOf: UnsafeBufferPointer(start: workspace.db[l], count: layer.outputs).lazy.map(Double.init))
      }
    }
    return g
  }
}

extension WorkedExample {
  /// The reference case of seed 000: θ = (0.5, −1.2, 0.8), x = 1.5, y = 0.3.
  public static let singlePathDefaults = (theta: [0.5, -1.2, 0.8], input: 1.5, target: 0.3)

  /// Seed 000's single-path network, one unit per layer and no biases:
  ///
  ///     a⁽¹⁾ = x,  z⁽²⁾ = θ⁽¹⁾a⁽¹⁾,  a⁽²⁾ = σ(z⁽²⁾),  z⁽³⁾ = θ⁽²⁾a⁽²⁾,  a⁽³⁾ = σ(z⁽³⁾),
  ///     z⁽⁴⁾ = θ⁽³⁾a⁽³⁾,  ŷ = a⁽⁴⁾ = g(z⁽⁴⁾) = z⁽⁴⁾,  J = ½(ŷ − y)²
  ///
  /// then the error signals δ⁽⁴⁾, δ⁽³⁾, δ⁽²⁾ (eqs. 13–16), the partials ∂J/∂θ (eqs. 9–11 = 17) and one
  /// gradient-descent step (eq. 12).
  ///
  /// - Throws: `BackpropError` unless `theta` has three finite values and the rest are finite.
  public static func singlePath(
    theta: [Double], input x: Double, target y: Double, learningRate eta: Double = 0.5
  ) throws -> WorkedExample {
    guard theta.count == 3 else {
      throw BackpropError.invalidArgument(
        name: "weights", value: theta.map { "\($0)" }.joined(separator: ","), expected: "three values θ1,θ2,θ3")
    }
    try checkFinite(theta + [x, y, eta], names: ["θ1", "θ2", "θ3", "input", "target", "learning rate"])
    let network = try Network<Double>(
      layers: [
        Dense(weights: Matrix(rows: [[theta[0]]]), activation: .sigmoid),
        Dense(weights: Matrix(rows: [[theta[1]]]), activation: .sigmoid),
        Dense(weights: Matrix(rows: [[theta[2]]]), activation: .linear),
      ], loss: .meanSquaredError)
    let inputs = Matrix(column: [x]), targets = Matrix(column: [y])
    let trace = try network.trace(inputs: inputs, targets: targets)
    let check = try GradientCheck(network: network, inputs: inputs, targets: targets)

    let z = trace.z.map { $0[0, 0] }, a = trace.a.map { $0[0, 0] }, delta = trace.delta.map { $0[0, 0] }
    let gradient = trace.gradients.weights.map { $0[0, 0] }
    let estimate = check.numeric.weights.map { $0[0, 0] }
    let sigmaPrime = [a[0] * (1 - a[0]), a[1] * (1 - a[1])]
    let f = formatted

    var q: [Quantity] = [
      Quantity(kind: .input, key: "a1", symbol: "a⁽¹⁾", formula: "x", substituted: "", source: "eq. 6", value: x),
      Quantity(kind: .target, key: "y", symbol: "y", formula: "", substituted: "", source: "", value: y),
    ]
    for k in 0..<3 {
      q.append(Quantity(kind: .weight, key: "theta\(k + 1)", symbol: "θ⁽\(superscript(k + 1))⁾", formula: "",
                        substituted: "", source: "", value: theta[k]))
    }
    q += [
      Quantity(kind: .preactivation, key: "z2", symbol: "z⁽²⁾", formula: "θ⁽¹⁾·a⁽¹⁾",
               substituted: "\(f(theta[0]))·\(f(x))", source: "eq. 6", value: z[0]),
      Quantity(kind: .activation, key: "a2", symbol: "a⁽²⁾", formula: "σ(z⁽²⁾) = 1/(1 + e^(−z⁽²⁾))",
               substituted: "σ(\(z[0]))", source: "eqs. 1, 6", value: a[0]),
      Quantity(kind: .preactivation, key: "z3", symbol: "z⁽³⁾", formula: "θ⁽²⁾·a⁽²⁾",
               substituted: "\(f(theta[1]))·\(f(a[0]))", source: "eq. 6", value: z[1]),
      Quantity(kind: .activation, key: "a3", symbol: "a⁽³⁾", formula: "σ(z⁽³⁾)",
               substituted: "σ(\(z[1]))", source: "eq. 6", value: a[1]),
      Quantity(kind: .preactivation, key: "z4", symbol: "z⁽⁴⁾", formula: "θ⁽³⁾·a⁽³⁾",
               substituted: "\(f(theta[2]))·\(f(a[1]))", source: "eq. 6", value: z[2]),
      Quantity(kind: .activation, key: "a4", symbol: "ŷ = a⁽⁴⁾", formula: "g(z⁽⁴⁾) = z⁽⁴⁾ (linear output)",
               substituted: "\(f(z[2]))", source: "eq. 6", value: a[2]),
      Quantity(kind: .loss, key: "J", symbol: "J", formula: "½(ŷ − y)²",
               substituted: "½·(\(f(a[2])) − \(f(y)))²", source: "eq. 7", value: trace.cost),
      Quantity(kind: .derivative, key: "sigma_prime_z3", symbol: "σ′(z⁽³⁾)", formula: "a⁽³⁾·(1 − a⁽³⁾)",
               substituted: "\(f(a[1]))·(1 − \(f(a[1])))", source: "eq. 5", value: sigmaPrime[1]),
      Quantity(kind: .derivative, key: "sigma_prime_z2", symbol: "σ′(z⁽²⁾)", formula: "a⁽²⁾·(1 − a⁽²⁾)",
               substituted: "\(f(a[0]))·(1 − \(f(a[0])))", source: "eq. 5", value: sigmaPrime[0]),
      Quantity(kind: .delta, key: "delta4", symbol: "δ⁽⁴⁾", formula: "ŷ − y",
               substituted: "\(f(a[2])) − \(f(y))", source: "eqs. 8, 14", value: delta[2]),
      Quantity(kind: .delta, key: "delta3", symbol: "δ⁽³⁾", formula: "δ⁽⁴⁾·θ⁽³⁾·σ′(z⁽³⁾)",
               substituted: "\(f(delta[2]))·\(f(theta[2]))·\(f(sigmaPrime[1]))", source: "eq. 15", value: delta[1]),
      Quantity(kind: .delta, key: "delta2", symbol: "δ⁽²⁾", formula: "δ⁽³⁾·θ⁽²⁾·σ′(z⁽²⁾)",
               substituted: "\(f(delta[1]))·\(f(theta[1]))·\(f(sigmaPrime[0]))", source: "eq. 16", value: delta[0]),
    ]
    let sources = ["eqs. 11, 17", "eqs. 10, 17", "eqs. 9, 17"]
    let inputsOf = [("a⁽¹⁾", x), ("a⁽²⁾", a[0]), ("a⁽³⁾", a[1])]
    for k in (0..<3).reversed() {
      q.append(Quantity(
        kind: .gradient, key: "theta\(k + 1)", symbol: "∂J/∂θ⁽\(superscript(k + 1))⁾",
        formula: "δ⁽\(superscript(k + 2))⁾·\(inputsOf[k].0)",
        substituted: "\(f(delta[k]))·\(f(inputsOf[k].1))", source: sources[k], value: gradient[k],
        finiteDifference: estimate[k]))
    }
    for k in 0..<3 {
      let step = -eta * gradient[k]
      q.append(Quantity(
        kind: .step, key: "theta\(k + 1)", symbol: "Δθ⁽\(superscript(k + 1))⁾", formula: "−η·∂J/∂θ⁽\(superscript(k + 1))⁾",
        substituted: "−\(f(eta))·\(f(gradient[k]))", source: "eq. 12", value: step))
    }
    for k in 0..<3 {
      q.append(Quantity(
        kind: .updatedWeight, key: "theta\(k + 1)", symbol: "θ⁽\(superscript(k + 1))⁾ + Δθ⁽\(superscript(k + 1))⁾",
        formula: "", substituted: "\(f(theta[k])) + \(f(-eta * gradient[k]))", source: "eq. 12",
        value: theta[k] - eta * gradient[k]))
    }
    return WorkedExample(
      title: "Seed 000: the single-path network (θ1, θ2, θ3; sigmoid, sigmoid, linear output; J = ½(ŷ − y)²)",
      notes: [
        "The seed numbers layers from the input (a⁽¹⁾ = x), so θ⁽ᵏ⁾ is the weight of Backprop's layer k and "
          + "δ⁽ᵏ⁺¹⁾ its error signal.",
        "The network has no biases, as in the seed. Values come from Backprop's matrix backpropagation; "
          + "the right-hand column is a finite-difference estimate of the same partial derivative.",
      ],
      learningRate: eta, quantities: q)
  }

  static func checkFinite(_ values: [Double], names: [String]) throws {
    for (value, name) in zip(values, names) where !value.isFinite {
      throw BackpropError.invalidArgument(name: name, value: "\(value)", expected: "a finite number")
    }
  }
}

/// The superscript digits of n: 12 → "¹²".
func superscript(_ n: Int) -> String {
  let digits = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
  return String(n).map { digits[Int(String($0))!] }.joined()
}

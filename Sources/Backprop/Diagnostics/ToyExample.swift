extension WorkedExample {
  /// The reference case of seed 001: w1…w6 = (0.15, 0.25, 0.20, 0.30, 0.40, 0.45), x = (0.05, 0.10), y = 0.9.
  public static let toyDefaults = (weights: [0.15, 0.25, 0.20, 0.30, 0.40, 0.45], input: [0.05, 0.10], target: 0.9)

  /// Seed 001's toy 2-2-1 network, no biases, f the activation of both layers (sigmoid in the seed's numbers):
  ///
  ///     z₁⁽²⁾ = x1·w1 + x2·w3    z₂⁽²⁾ = x1·w2 + x2·w4    a⁽²⁾ = f(z⁽²⁾)
  ///     z₁⁽³⁾ = a₁⁽²⁾·w5 + a₂⁽²⁾·w6                          ŷ = a₁⁽³⁾ = f(z₁⁽³⁾)    E = (y − ŷ)²/2
  ///
  /// In Backprop's terms W[1] = [[w1, w3], [w2, w4]] (row = receiving unit) and W[2] = [[w5, w6]].
  ///
  /// Seed 001 writes z₁⁽³⁾ = a₁⁽²⁾·w5 + a₁⁽²⁾·w6, a typo: its own results ∂E/∂w6 = δ₁⁽³⁾·a₂⁽²⁾ and
  /// δ₂⁽²⁾ = δ₁⁽³⁾·w6·f′(z₂⁽²⁾) only hold for a₂⁽²⁾·w6, which is what this follows.
  ///
  /// - Throws: `BackpropError` unless there are six finite weights, two finite inputs and a finite target, and
  ///   f has a per-unit derivative (not softmax).
  public static func toy(
    weights w: [Double], input x: [Double], target y: Double, activation: Activation = .sigmoid,
    learningRate eta: Double = 0.5
  ) throws -> WorkedExample {
    guard w.count == 6 else {
      throw BackpropError.invalidArgument(
        name: "weights", value: w.map { "\($0)" }.joined(separator: ","), expected: "six values w1,…,w6")
    }
    guard x.count == 2 else {
      throw BackpropError.invalidArgument(
        name: "input", value: x.map { "\($0)" }.joined(separator: ","), expected: "two values x1,x2")
    }
    guard activation != .softmax else {
      throw BackpropError.invalidArgument(
        name: "activation", value: "softmax", expected: "an activation applied unit by unit (softmax mixes units)")
    }
    try checkFinite(w + x + [y, eta], names: ["w1", "w2", "w3", "w4", "w5", "w6", "x1", "x2", "target", "learning rate"])
    let network = try Network<Double>(
      layers: [
        Dense(weights: Matrix(rows: [[w[0], w[2]], [w[1], w[3]]]), activation: activation),
        Dense(weights: Matrix(rows: [[w[4], w[5]]]), activation: activation),
      ], loss: .meanSquaredError)
    let inputs = Matrix(column: x), targets = Matrix(column: [y])
    let trace = try network.trace(inputs: inputs, targets: targets)
    let check = try GradientCheck(network: network, inputs: inputs, targets: targets)

    let z2 = trace.z[0].column(0), a2 = trace.a[0].column(0)
    let z3 = trace.z[1][0, 0], yHat = trace.a[1][0, 0]
    let d2 = trace.delta[0].column(0), d3 = trace.delta[1][0, 0]
    let fPrime = [activation.derivative(z: z2[0], a: a2[0])!, activation.derivative(z: z2[1], a: a2[1])!,
                  activation.derivative(z: z3, a: yHat)!]
    let name = "f = " + Self.name(activation)
    let f = formatted

    var q: [Quantity] = [
      Quantity(kind: .input, key: "x1", symbol: "x1 = a₁⁽¹⁾", formula: "", substituted: "", source: "", value: x[0]),
      Quantity(kind: .input, key: "x2", symbol: "x2 = a₂⁽¹⁾", formula: "", substituted: "", source: "", value: x[1]),
      Quantity(kind: .target, key: "y", symbol: "y", formula: "", substituted: "", source: "", value: y),
    ]
    for i in 0..<6 {
      q.append(Quantity(kind: .weight, key: "w\(i + 1)", symbol: "w\(i + 1)", formula: "", substituted: "",
                        source: "", value: w[i]))
    }
    q += [
      Quantity(kind: .preactivation, key: "z1_2", symbol: "z₁⁽²⁾", formula: "x1·w1 + x2·w3",
               substituted: "\(f(x[0]))·\(f(w[0])) + \(f(x[1]))·\(f(w[2]))", source: "Figure 2", value: z2[0]),
      Quantity(kind: .preactivation, key: "z2_2", symbol: "z₂⁽²⁾", formula: "x1·w2 + x2·w4",
               substituted: "\(f(x[0]))·\(f(w[1])) + \(f(x[1]))·\(f(w[3]))", source: "Figure 2", value: z2[1]),
      Quantity(kind: .activation, key: "a1_2", symbol: "a₁⁽²⁾", formula: "f(z₁⁽²⁾)",
               substituted: "f(\(z2[0]))", source: name, value: a2[0]),
      Quantity(kind: .activation, key: "a2_2", symbol: "a₂⁽²⁾", formula: "f(z₂⁽²⁾)",
               substituted: "f(\(z2[1]))", source: name, value: a2[1]),
      Quantity(kind: .preactivation, key: "z1_3", symbol: "z₁⁽³⁾", formula: "a₁⁽²⁾·w5 + a₂⁽²⁾·w6",
               substituted: "\(f(a2[0]))·\(f(w[4])) + \(f(a2[1]))·\(f(w[5]))",
               source: "Figure 2 (typo a₁⁽²⁾·w6 fixed)", value: z3),
      Quantity(kind: .activation, key: "a1_3", symbol: "ŷ = a₁⁽³⁾", formula: "f(z₁⁽³⁾)",
               substituted: "f(\(z3))", source: name, value: yHat),
      Quantity(kind: .loss, key: "E", symbol: "E", formula: "(y − ŷ)²/2",
               substituted: "(\(f(y)) − \(f(yHat)))²/2", source: "square error", value: trace.cost),
      Quantity(kind: .derivative, key: "f_prime_z1_3", symbol: "f′(z₁⁽³⁾)", formula: derivativeFormula(activation, a: "a₁⁽³⁾", z: "z₁⁽³⁾"),
               substituted: "", source: name, value: fPrime[2]),
      Quantity(kind: .derivative, key: "f_prime_z1_2", symbol: "f′(z₁⁽²⁾)", formula: derivativeFormula(activation, a: "a₁⁽²⁾", z: "z₁⁽²⁾"),
               substituted: "", source: name, value: fPrime[0]),
      Quantity(kind: .derivative, key: "f_prime_z2_2", symbol: "f′(z₂⁽²⁾)", formula: derivativeFormula(activation, a: "a₂⁽²⁾", z: "z₂⁽²⁾"),
               substituted: "", source: name, value: fPrime[1]),
      Quantity(kind: .delta, key: "delta1_3", symbol: "δ₁⁽³⁾", formula: "(a₁⁽³⁾ − y)·f′(z₁⁽³⁾)",
               substituted: "(\(f(yHat)) − \(f(y)))·\(f(fPrime[2]))", source: "Layer-3", value: d3),
      Quantity(kind: .delta, key: "delta1_2", symbol: "δ₁⁽²⁾", formula: "δ₁⁽³⁾·w5·f′(z₁⁽²⁾)",
               substituted: "\(f(d3))·\(f(w[4]))·\(f(fPrime[0]))", source: "Layer-2", value: d2[0]),
      Quantity(kind: .delta, key: "delta2_2", symbol: "δ₂⁽²⁾", formula: "δ₁⁽³⁾·w6·f′(z₂⁽²⁾)",
               substituted: "\(f(d3))·\(f(w[5]))·\(f(fPrime[1]))", source: "Layer-2", value: d2[1]),
    ]
    // ∂E/∂wᵢ = δ(receiving unit)·a(sending unit), in the seed's order: w5, w6 first, then w1…w4.
    let g1 = trace.gradients.weights[0], g2 = trace.gradients.weights[1]
    let n1 = check.numeric.weights[0], n2 = check.numeric.weights[1]
    let partials: [(Int, String, Double, Double, Double, Double, String)] = [
      (5, "δ₁⁽³⁾·a₁⁽²⁾", d3, a2[0], g2[0, 0], n2[0, 0], "Layer-3"),
      (6, "δ₁⁽³⁾·a₂⁽²⁾", d3, a2[1], g2[0, 1], n2[0, 1], "Layer-3"),
      (1, "δ₁⁽²⁾·x1", d2[0], x[0], g1[0, 0], n1[0, 0], "Layer-2"),
      (2, "δ₂⁽²⁾·x1", d2[1], x[0], g1[1, 0], n1[1, 0], "Layer-2"),
      (3, "δ₁⁽²⁾·x2", d2[0], x[1], g1[0, 1], n1[0, 1], "Layer-2"),
      (4, "δ₂⁽²⁾·x2", d2[1], x[1], g1[1, 1], n1[1, 1], "Layer-2"),
    ]
    var gradient = [Double](repeating: 0, count: 6)
    for (i, formula, delta, input, value, estimate, source) in partials {
      gradient[i - 1] = value
      q.append(Quantity(
        kind: .gradient, key: "w\(i)", symbol: "∂E/∂w\(i)", formula: formula, substituted: "\(f(delta))·\(f(input))",
        source: source, value: value, finiteDifference: estimate))
    }
    for i in 0..<6 {
      q.append(Quantity(
        kind: .updatedWeight, key: "w\(i + 1)", symbol: "w\(i + 1) − η·∂E/∂w\(i + 1)", formula: "",
        substituted: "\(f(w[i])) − \(f(eta))·\(f(gradient[i]))", source: "wᵢ := wᵢ − α·∂E/∂wᵢ",
        value: w[i] - eta * gradient[i]))
    }
    return WorkedExample(
      title: "Seed 001: the toy 2-2-1 network (w1…w6, \(name), E = (y − ŷ)²/2)",
      notes: [
        "Seed 001 writes z₁⁽³⁾ = a₁⁽²⁾·w5 + a₁⁽²⁾·w6; that is a typo. Its own results ∂E/∂w6 = δ₁⁽³⁾·a₂⁽²⁾ and "
          + "δ₂⁽²⁾ = δ₁⁽³⁾·w6·f′(z₂⁽²⁾) need z₁⁽³⁾ = a₁⁽²⁾·w5 + a₂⁽²⁾·w6, which is used here.",
        "In Backprop's matrices W[1] = [[w1, w3], [w2, w4]] (row = receiving unit) and W[2] = [[w5, w6]]; "
          + "the network has no biases, as in the seed.",
      ],
      learningRate: eta, quantities: q)
  }
}

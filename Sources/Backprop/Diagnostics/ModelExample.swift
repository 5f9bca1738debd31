extension WorkedExample {
  /// Any network on one sample, number by number, in the notation of seed 001 (and Nielsen's): the inputs are
  /// layer 1 (a⁽¹⁾ = x), so Backprop's layer l is layer l + 1 here, and
  ///
  ///     zⱼ⁽ˡ⁾ = Σₖ wⱼₖ⁽ˡ⁾·aₖ⁽ˡ⁻¹⁾ + bⱼ⁽ˡ⁾        aⱼ⁽ˡ⁾ = f(zⱼ⁽ˡ⁾)        ŷ = a⁽ᴸ⁾
  ///     δⱼ⁽ᴸ⁾ = ∂C/∂zⱼ⁽ᴸ⁾ from the cost        δⱼ⁽ˡ⁾ = (Σₖ wₖⱼ⁽ˡ⁺¹⁾·δₖ⁽ˡ⁺¹⁾)·f′(zⱼ⁽ˡ⁾)
  ///     ∂C/∂wⱼₖ⁽ˡ⁾ = δⱼ⁽ˡ⁾·aₖ⁽ˡ⁻¹⁾              ∂C/∂bⱼ⁽ˡ⁾ = δⱼ⁽ˡ⁾
  ///
  /// where wⱼₖ⁽ˡ⁾ joins unit k of layer l − 1 to unit j of layer l (Backprop's `layers[l-2].weights[j-1, k-1]`).
  /// The values come from ``Network/trace(inputs:targets:inputGradient:sampleWeights:regularization:)`` on the one
  /// sample (so δ = ∂C/∂z exactly, m = 1), and every partial derivative carries its finite-difference estimate
  /// from ``GradientCheck``. Keys read `<symbol><unit>_<layer>` as in ``toy(weights:input:target:activation:learningRate:)``:
  /// `z1_2`, `a1_2`, `f_prime_z1_2`, `delta1_3`, and `w<j>_<k>_<l>`, `b<j>_<l>` for the parameters and their
  /// gradients; inputs `x<k>`, targets `y<j>`, the cost `C`.
  ///
  /// Sums of more than four terms are written with Σ, and their substitutions shortened with "…": every number in
  /// them is listed elsewhere (the parameters under "weights", the activations of the layer before).
  ///
  /// - Throws: `BackpropError` when `input` does not have n[0] finite values or `target` n[L].
  public static func network(
    _ network: Network<Double>, input x: [Double], target y: [Double], title: String, notes: [String] = []
  ) throws -> WorkedExample {
    let inputs = Matrix(column: x), targets = Matrix(column: y)
    let trace = try network.trace(inputs: inputs, targets: targets)
    let check = try GradientCheck(network: network, inputs: inputs, targets: targets)
    let f = formatted, layers = network.layers, last = layers.count - 1
    let fused = network.loss.isFused(with: layers[last].activation)
    /// aₖ⁽ˢ⁾ by seed layer s (1 = the inputs).
    func a(_ k: Int, _ s: Int) -> Double { s == 1 ? x[k] : trace.a[s - 2][k, 0] }

    var q: [Quantity] = x.indices.map {
      Quantity(kind: .input, key: "x\($0 + 1)", symbol: "x\($0 + 1) = \(unit("a", $0 + 1, 1))", formula: "",
               substituted: "", source: "", value: x[$0])
    }
    q += y.indices.map {
      Quantity(kind: .target, key: "y\($0 + 1)", symbol: "y" + subscripted($0 + 1), formula: "", substituted: "",
               source: "", value: y[$0])
    }
    for (l, layer) in layers.enumerated() {
      let s = l + 2
      for j in 0..<layer.outputs {
        for k in 0..<layer.inputs {
          q.append(Quantity(kind: .weight, key: "w\(j + 1)_\(k + 1)_\(s)", symbol: weight(j + 1, k + 1, s), formula: "",
                            substituted: "", source: "", value: layer.weights[j, k]))
        }
      }
      for j in 0..<layer.outputs where layer.hasBiases {
        q.append(Quantity(kind: .weight, key: "b\(j + 1)_\(s)", symbol: unit("b", j + 1, s), formula: "",
                          substituted: "", source: "", value: layer.biases[j]))
      }
    }

    // Forward: z and a, layer by layer.
    for (l, layer) in layers.enumerated() {
      let s = l + 2, g = layer.activation
      for j in 0..<layer.outputs {
        var terms = (0..<layer.inputs).map { k in
          (weight(j + 1, k + 1, s) + "·" + unit("a", k + 1, s - 1), "\(f(layer.weights[j, k]))·\(f(a(k, s - 1)))")
        }
        if layer.hasBiases { terms.append((unit("b", j + 1, s), f(layer.biases[j]))) }
        let formula = layer.inputs > 4
          ? "Σₖ \(weight("j", "k", s))·\(unit("a", "k", s - 1))" + (layer.hasBiases ? " + " + unit("b", j + 1, s) : "")
          : terms.map(\.0).joined(separator: " + ")
        q.append(Quantity(
          kind: .preactivation, key: "z\(j + 1)_\(s)", symbol: unit("z", j + 1, s), formula: formula,
          substituted: sum(terms.map(\.1)), source: "layer \(s)", value: trace.z[l][j, 0]))
      }
      let zs = (0..<layer.outputs).map { trace.z[l][$0, 0] }
      for j in 0..<layer.outputs {
        let formula: String, substituted: String
        if g == .softmax {
          formula = "e^\(unit("z", j + 1, s)) / Σᵢ e^\(unit("z", "i", s))"
          substituted = "e^\(f(zs[j])) / (\(sum(zs.map { "e^\(f($0))" })))"
        } else {
          formula = "\(name(g))(\(unit("z", j + 1, s)))"
          substituted = "\(name(g))(\(zs[j]))"
        }
        q.append(Quantity(
          kind: .activation, key: "a\(j + 1)_\(s)", symbol: (l == last ? "ŷ\(subscripted(j + 1)) = " : "") + unit("a", j + 1, s),
          formula: formula, substituted: substituted, source: "f = \(name(g))", value: trace.a[l][j, 0]))
      }
    }
    let outputs = (0..<layers[last].outputs).map { trace.a[last][$0, 0] }
    q.append(cost(network.loss, outputs: outputs, targets: y, value: trace.cost))

    // f′ of every layer applied unit by unit (not the output of a fused pair, whose δ needs none), output first.
    for l in layers.indices.reversed() where layers[l].activation != .softmax && !(l == last && fused) {
      let s = l + 2, g = layers[l].activation
      for j in 0..<layers[l].outputs {
        q.append(Quantity(
          kind: .derivative, key: "f_prime_z\(j + 1)_\(s)", symbol: "f′(\(unit("z", j + 1, s)))",
          formula: derivativeFormula(g, a: unit("a", j + 1, s), z: unit("z", j + 1, s)), substituted: "",
          source: "f = \(name(g))", value: g.derivative(z: trace.z[l][j, 0], a: trace.a[l][j, 0])!))
      }
    }

    // δ from the output back.
    let sOut = last + 2
    for j in 0..<layers[last].outputs {
      let (formula, substituted, source) = outputDelta(
        network.loss, layers[last].activation, fused: fused, unit: j + 1, layer: sOut, output: outputs[j], target: y[j],
        fPrime: layers[last].activation.derivative(z: trace.z[last][j, 0], a: outputs[j]))
      q.append(Quantity(kind: .delta, key: "delta\(j + 1)_\(sOut)", symbol: unit("δ", j + 1, sOut), formula: formula,
                        substituted: substituted, source: source, value: trace.delta[last][j, 0]))
    }
    for l in layers.indices.dropLast().reversed() {
      let s = l + 2, next = layers[l + 1], g = layers[l].activation
      for j in 0..<layers[l].outputs {
        let terms = (0..<next.outputs).map { k in
          (unit("δ", k + 1, s + 1) + "·" + weight(k + 1, j + 1, s + 1),
           "\(f(trace.delta[l + 1][k, 0]))·\(f(next.weights[k, j]))")
        }
        let backSum = next.outputs > 4
          ? "Σₖ \(unit("δ", "k", s + 1))·\(weight("k", j + 1, s + 1))" : terms.map(\.0).joined(separator: " + ")
        let formula: String, substituted: String
        if g == .softmax {
          formula = "\(unit("a", j + 1, s))·(eⱼ − Σᵢ eᵢ·\(unit("a", "i", s))), e = W⁽\(superscript(s + 1))⁾ᵀ·δ⁽\(superscript(s + 1))⁾"
          substituted = ""
        } else {
          let fPrime = g.derivative(z: trace.z[l][j, 0], a: trace.a[l][j, 0])!
          formula = parenthesized(backSum, terms.count) + "·f′(\(unit("z", j + 1, s)))"
          substituted = parenthesized(sum(terms.map(\.1)), terms.count) + "·\(f(fPrime))"
        }
        q.append(Quantity(kind: .delta, key: "delta\(j + 1)_\(s)", symbol: unit("δ", j + 1, s), formula: formula,
                          substituted: substituted, source: "layer \(s)", value: trace.delta[l][j, 0]))
      }
    }

    // ∂C/∂w and ∂C/∂b, from the output layer back, each beside its finite-difference estimate.
    for l in layers.indices.reversed() {
      let s = l + 2, layer = layers[l]
      for j in 0..<layer.outputs {
        let delta = trace.delta[l][j, 0]
        for k in 0..<layer.inputs {
          q.append(Quantity(
            kind: .gradient, key: "w\(j + 1)_\(k + 1)_\(s)", symbol: "∂C/∂" + weight(j + 1, k + 1, s),
            formula: unit("δ", j + 1, s) + "·" + unit("a", k + 1, s - 1), substituted: "\(f(delta))·\(f(a(k, s - 1)))",
            source: "layer \(s)", value: trace.gradients.weights[l][j, k], finiteDifference: check.numeric.weights[l][j, k]))
        }
        if layer.hasBiases {
          q.append(Quantity(
            kind: .gradient, key: "b\(j + 1)_\(s)", symbol: "∂C/∂" + unit("b", j + 1, s), formula: unit("δ", j + 1, s),
            substituted: f(delta), source: "layer \(s)", value: trace.gradients.biases[l][j],
            finiteDifference: check.numeric.biases[l][j]))
        }
      }
    }
    return WorkedExample(
      title: title,
      notes: notes + [
        "Layers are numbered from the inputs, a⁽¹⁾ = x (seed 001), so Backprop's layer l (Wl and bl in gradcheck) "
          + "is layer l + 1 here; wⱼₖ⁽ˡ⁾ joins unit k of layer l − 1 to unit j of layer l.",
        "One sample, so δ⁽ˡ⁾ = ∂C/∂z⁽ˡ⁾ and every ∂C/∂w is a single product δ·a; the right-hand column is a "
          + "finite-difference estimate of the same partial derivative.",
      ],
      learningRate: nil, quantities: q)
  }

  /// The cost of one sample, with the numbers put in when there are at most four outputs.
  private static func cost(_ loss: Loss, outputs a: [Double], targets y: [Double], value: Double) -> Quantity {
    let f = formatted, short = a.count <= 4
    let formula: String, terms: [String]
    switch loss {
    case .meanSquaredError:
      formula = "½·Σⱼ (ŷⱼ − yⱼ)²"
      terms = a.indices.map { "(\(f(a[$0])) − \(f(y[$0])))²" }
    case .binaryCrossEntropy:
      formula = "−Σⱼ [yⱼ·log ŷⱼ + (1 − yⱼ)·log(1 − ŷⱼ)]"
      terms = a.indices.map { "[\(f(y[$0]))·log \(f(a[$0])) + (1 − \(f(y[$0])))·log(1 − \(f(a[$0])))]" }
    case .crossEntropy:
      formula = "−Σⱼ yⱼ·log ŷⱼ"
      terms = a.indices.filter { y[$0] != 0 }.map { "\(f(y[$0]))·log \(f(a[$0]))" }
    }
    let prefix = loss == .meanSquaredError ? "½·" : "−"
    return Quantity(
      kind: .loss, key: "C", symbol: "C", formula: formula,
      substituted: short ? prefix + parenthesized(terms.joined(separator: " + "), terms.count) : "",
      source: loss.rawValue, value: value)
  }

  /// δⱼ⁽ᴸ⁾'s formula, its substitution (empty where the clamps of an unfused cross-entropy may apply) and source.
  private static func outputDelta(
    _ loss: Loss, _ g: Activation, fused: Bool, unit j: Int, layer s: Int, output: Double, target: Double,
    fPrime: Double?
  ) -> (String, String, String) {
    let f = formatted, yHat = "ŷ" + subscripted(j), yj = "y" + subscripted(j), z = unit("z", j, s)
    if fused {
      return ("\(yHat) − \(yj)", "\(f(output)) − \(f(target))", "\(name(g)) + \(loss.rawValue): ∂C/∂z = ŷ − y")
    }
    guard let fPrime else {
      return ("\(yHat)·(dAⱼ − Σᵢ dAᵢ·ŷᵢ), dA = ∂C/∂ŷ", "", "softmax's Jacobian")
    }
    switch loss {
    case .meanSquaredError:
      return ("(\(yHat) − \(yj))·f′(\(z))", "(\(f(output)) − \(f(target)))·\(f(fPrime))", "∂C/∂ŷ·f′")
    case .binaryCrossEntropy:
      return ("(\(yHat) − \(yj)) / (\(yHat)·(1 − \(yHat)))·f′(\(z))", "", "∂C/∂ŷ·f′")
    case .crossEntropy:
      return ("−\(yj)/\(yHat)·f′(\(z))", "", "∂C/∂ŷ·f′")
    }
  }

  /// How g is written in formulas: σ for the sigmoid, else its name.
  static func name(_ g: Activation) -> String { g == .sigmoid ? "σ" : g.rawValue }

  /// The substituted terms of a sum: all of them up to four, else the first two, "…" and the last.
  private static func sum(_ terms: [String]) -> String {
    terms.count <= 4 ? terms.joined(separator: " + ")
      : ([terms[0], terms[1], "…", terms[terms.count - 1]]).joined(separator: " + ")
  }

  private static func parenthesized(_ text: String, _ count: Int) -> String { count > 1 ? "(\(text))" : text }

  /// `zⱼ⁽ˡ⁾`-style symbols: a letter, the unit as a subscript and the layer as a superscript.
  static func unit(_ letter: String, _ j: any CustomStringConvertible, _ s: Int) -> String {
    letter + subscripted(j) + "⁽\(superscript(s))⁾"
  }

  /// wⱼₖ⁽ˡ⁾, with a comma between the subscripts when either has two digits.
  static func weight(_ j: any CustomStringConvertible, _ k: any CustomStringConvertible, _ s: Int) -> String {
    let (a, b) = (subscripted(j), subscripted(k))
    return "w" + a + ((a.count > 1 || b.count > 1) ? "," : "") + b + "⁽\(superscript(s))⁾"
  }
}

/// The subscript form of a unit index: 12 → "₁₂", "j" → "ⱼ".
func subscripted(_ index: any CustomStringConvertible) -> String {
  let map: [Character: String] = [
    "0": "₀", "1": "₁", "2": "₂", "3": "₃", "4": "₄", "5": "₅", "6": "₆", "7": "₇", "8": "₈", "9": "₉",
    "i": "ᵢ", "j": "ⱼ", "k": "ₖ",
  ]
  return index.description.map { map[$0] ?? String($0) }.joined()
}

import Backprop
import Foundation
import Testing

/// The initializers of issue 6 (Glorot and He normal, LeCun uniform and normal, Widrow–Nguyen), the Gaussian behind
/// the normal ones, and the choice of one initializer per layer.
@Suite("Initializers: normal draws, LeCun, Widrow–Nguyen, per layer")
struct InitializerDistributionTests {
  /// Sample mean and (population) variance.
  static func moments(_ values: [Double]) -> (mean: Double, variance: Double) {
    let n = Double(values.count)
    let mean = values.reduce(0, +) / n
    return (mean, values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n)
  }

  @Test("nextGaussian: the polar method's first values (independent Python reimplementation), and its moments")
  func gaussian() {
    // Printed by the polar method written in Python over Tests/BackpropTestSupport/Fixtures/xoshiro_reference.py
    // (docs/randomness.md gives the algorithm): seed 5, first five draws.
    var generator = SeededGenerator(seed: 5)
    let first = (0..<5).map { _ in generator.nextGaussian() }
    #expect(first == [-1.565523310998701, 0.4943461931977683, 0.08792974323521065, 0.017502167604635323, -1.5203984659257819])

    var g = SeededGenerator(seed: 12)
    let n = 200_000
    let z = (0..<n).map { _ in g.nextGaussian() }
    let (mean, variance) = Self.moments(z)
    // Standard errors for N(0, 1): 1/√n for the mean, √(2/n) for the variance; 5 of them.
    #expect(abs(mean) < 5 / Double(n).squareRoot())
    #expect(abs(variance - 1) < 5 * (2 / Double(n)).squareRoot())
    // The shape, not only two moments: P(|z| < 1) = 0.682689…, binomial standard error √(p(1−p)/n).
    let p = 0.6826894921370859
    let inside = Double(z.filter { abs($0) < 1 }.count) / Double(n)
    #expect(abs(inside - p) < 5 * (p * (1 - p) / Double(n)).squareRoot())
  }

  /// (initializer, σ² of W) for a 400 × 500 layer (fan_in 500, fan_out 400).
  static let normals: [(Initializer, Double)] = [
    (.glorotNormal, 2.0 / 900), (.heNormal, 2.0 / 500), (.lecunNormal, 1.0 / 500),
  ]

  @Test("normal initializers: mean 0 and variance σ² within 5 standard errors on a 400×500 layer; biases 0",
        arguments: 0..<3)
  func normalMoments(index: Int) throws {
    let (initializer, sigma2) = Self.normals[index]
    var generator = SeededGenerator(seed: 21)
    let layer = try Dense<Double>(inputs: 500, outputs: 400, activation: .relu, initializer: initializer, using: &generator)
    let w = layer.weights.scalars
    let n = Double(w.count)
    let (mean, variance) = Self.moments(w)
    #expect(abs(mean) < 5 * (sigma2 / n).squareRoot(), "mean \(mean)")
    #expect(abs(variance - sigma2) < 5 * sigma2 * (2 / (n - 1)).squareRoot(), "variance \(variance) vs \(sigma2)")
    #expect(layer.biases.allSatisfy { $0 == 0 })
    // Untruncated: a normal sample of 200,000 reaches beyond 4σ (P ≈ 6.3e-5, about 13 expected).
    #expect(w.contains { abs($0) > 4 * sigma2.squareRoot() })
  }

  @Test("LeCun uniform: within ±√(3/fan_in), variance bound²/3 within 5 standard errors, biases 0")
  func lecunUniform() throws {
    var generator = SeededGenerator(seed: 22)
    let layer = try Dense<Double>(inputs: 500, outputs: 400, activation: .tanh, initializer: .lecunUniform, using: &generator)
    let bound = (3.0 / 500).squareRoot()
    let w = layer.weights.scalars
    let n = Double(w.count)
    #expect(w.allSatisfy { abs($0) <= bound })
    #expect(w.max()! > 0.999 * bound && w.min()! < -0.999 * bound)
    let (mean, variance) = Self.moments(w)
    let sigma2 = bound * bound / 3
    // U(−a, a): Var(w) = a²/3, and Var of the sample variance ≈ (μ₄ − σ⁴)/n with μ₄ = a⁴/5.
    #expect(abs(mean) < 5 * (sigma2 / n).squareRoot())
    #expect(abs(variance - sigma2) < 5 * ((pow(bound, 4) / 5 - sigma2 * sigma2) / n).squareRoot())
    #expect(layer.biases.allSatisfy { $0 == 0 })
  }

  @Test("Widrow–Nguyen: each unit's weight vector has norm β = 0.7·H^(1/n), biases in [−β, β]", arguments: [
    (2, 3), (4, 10), (30, 200),
  ])
  func widrowNguyen(inputs: Int, outputs: Int) throws {
    var generator = SeededGenerator(seed: 23)
    let layer = try Dense<Double>(
      inputs: inputs, outputs: outputs, activation: .tanh, initializer: .widrowNguyen, using: &generator)
    let beta = 0.7 * pow(Double(outputs), 1 / Double(inputs))
    for j in 0..<outputs {
      let row = (0..<inputs).map { layer.weights[j, $0] }
      let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
      #expect(abs(norm - beta) <= 1e-14 * beta, "row \(j): norm \(norm), β \(beta)")
    }
    #expect(layer.biases.allSatisfy { abs($0) <= beta })
    if outputs >= 10 { #expect(layer.biases.contains { $0 < 0 } && layer.biases.contains { $0 > 0 }) }
  }

  @Test("Widrow–Nguyen draws U(±0.5) row-major, then rescales each row, then draws the biases from U(±β)")
  func widrowNguyenOrder() throws {
    var generator = SeededGenerator(seed: 24)
    let layer = try Dense<Double>(inputs: 3, outputs: 2, activation: .sigmoid, initializer: .widrowNguyen, using: &generator)
    var replay = SeededGenerator(seed: 24)
    let raw = (0..<6).map { _ in replay.nextUniform(in: -0.5, 0.5) }
    let beta = 0.7 * pow(2.0, 1.0 / 3)
    for j in 0..<2 {
      let row = Array(raw[(3 * j)..<(3 * j + 3)])
      let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
      for k in 0..<3 { #expect(layer.weights[j, k] == beta * row[k] / norm) }
    }
    #expect(layer.biases == [replay.nextUniform(in: -beta, beta), replay.nextUniform(in: -beta, beta)])
  }

  @Test("every initializer: the same seed gives the same bits, and Float is Double rounded", arguments: Initializer.allCases)
  func reproducible(initializer: Initializer) throws {
    var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9), c = SeededGenerator(seed: 9)
    let d1 = try Dense<Double>(inputs: 7, outputs: 5, activation: .tanh, initializer: initializer, using: &a)
    let d2 = try Dense<Double>(inputs: 7, outputs: 5, activation: .tanh, initializer: initializer, using: &b)
    let f = try Dense<Float>(inputs: 7, outputs: 5, activation: .tanh, initializer: initializer, using: &c)
    #expect(d1.weights.scalars.map(\.bitPattern) == d2.weights.scalars.map(\.bitPattern))
    #expect(d1.biases.map(\.bitPattern) == d2.biases.map(\.bitPattern))
    #expect(f.weights.scalars == d1.weights.scalars.map(Float.init))
    #expect(f.biases == d1.biases.map(Float.init))
    #expect(a == b && b == c, "the generators advanced alike")
  }

  @Test("He normal draws σ·nextGaussian() row-major: the first values against the Python reimplementation")
  func heNormalValues() throws {
    // fan_in 2, so σ = √(2/2) = 1 exactly; seed 11, the polar method in Python (see `gaussian`).
    var generator = SeededGenerator(seed: 11)
    let layer = try Dense<Double>(inputs: 2, outputs: 3, activation: .relu, initializer: .heNormal, using: &generator)
    #expect(layer.weights.scalars == [
      -0.08721331871793049, -1.5752627106120098, -0.5396566618918057, 0.004540527456888232, 0.6234367045766765,
      -0.5028833163300886,
    ])
  }

  @Test("names and aliases")
  func names() {
    let cases: [(String, Initializer)] = [
      ("pytorch", .uniformFanIn), ("xavier", .glorotUniform), ("Xavier_Normal", .glorotNormal),
      ("glorot-normal", .glorotNormal), ("kaiming", .heUniform), ("kaiming-normal", .heNormal),
      ("he_normal", .heNormal), ("lecun", .lecunUniform), ("lecun-uniform", .lecunUniform),
      ("lecun-normal", .lecunNormal), ("widrow-nguyen", .widrowNguyen), ("nguyen-widrow", .widrowNguyen),
    ]
    for (name, initializer) in cases { #expect(Initializer(name: name) == initializer, "\(name)") }
    for initializer in Initializer.allCases { #expect(Initializer(name: initializer.rawValue) == initializer) }
    #expect(Initializer(name: "orthogonal") == nil)
  }

  @Test("per layer: each layer drawn by its own initializer, in layer order from one generator")
  func perLayer() throws {
    var generator = SeededGenerator(seed: 31)
    let network = try Network<Double>(
      sizes: [4, 6, 3], activations: [.tanh, .softmax], loss: .crossEntropy,
      initializers: [.widrowNguyen, .glorotNormal], using: &generator)
    var replay = SeededGenerator(seed: 31)
    let first = try Dense<Double>(inputs: 4, outputs: 6, activation: .tanh, initializer: .widrowNguyen, using: &replay)
    let second = try Dense<Double>(inputs: 6, outputs: 3, activation: .softmax, initializer: .glorotNormal, using: &replay)
    #expect(network.layers == [first, second])

    var one = SeededGenerator(seed: 31), all = SeededGenerator(seed: 31)
    #expect(
      try Network<Double>(sizes: [4, 6, 3], activations: [.tanh, .softmax], loss: .crossEntropy,
                          initializers: [.heNormal], using: &one)
        == Network<Double>(sizes: [4, 6, 3], activations: [.tanh, .softmax], loss: .crossEntropy,
                           initializer: .heNormal, using: &all))
    #expect(throws: BackpropError.self) {
      var g = SeededGenerator(seed: 1)
      _ = try Network<Double>(sizes: [4, 6, 3], activations: [.tanh, .softmax], loss: .crossEntropy,
                              initializers: [.heNormal, .heNormal, .heNormal], using: &g)
    }
  }
}

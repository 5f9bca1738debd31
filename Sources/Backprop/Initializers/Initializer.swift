import RealModule

/// How a layer's weights W (n[l] × n[l−1]) and biases b start, before training.
///
/// Values are drawn from a ``SeededGenerator``, weights first in row-major order, then biases, so the same seed
/// gives the same network everywhere. fan_in = n[l−1], fan_out = n[l]. The uniform initializers draw each value
/// with one `nextUniform(in:)`, the normal ones with one ``SeededGenerator/nextGaussian()`` (docs/randomness.md).
///
/// | initializer | W | b |
/// |---|---|---|
/// | ``uniformFanIn`` | U(±1/√fan_in) | U(±1/√fan_in) |
/// | ``glorotUniform`` | U(±√(6/(fan_in + fan_out))) | 0 |
/// | ``glorotNormal`` | N(0, σ² = 2/(fan_in + fan_out)) | 0 |
/// | ``heUniform`` | U(±√(6/fan_in)) | 0 |
/// | ``heNormal`` | N(0, σ² = 2/fan_in) | 0 |
/// | ``lecunUniform`` | U(±√(3/fan_in)) | 0 |
/// | ``lecunNormal`` | N(0, σ² = 1/fan_in) | 0 |
/// | ``widrowNguyen`` | U(±0.5), each row rescaled to norm β = 0.7·fan_out^(1/fan_in) | U(±β) |
public enum Initializer: String, CaseIterable, Codable, Sendable {
  /// W and b from U(−1/√fan_in, +1/√fan_in): what PyTorch's `nn.Linear` does. The default.
  case uniformFanIn = "uniform-fan-in"
  /// W from U(−√(6/(fan_in + fan_out)), +√(6/(fan_in + fan_out))), b = 0 (Glorot and Bengio, 2010). Suits
  /// sigmoid and tanh layers.
  case glorotUniform = "glorot-uniform"
  /// W from N(0, σ²) with σ = √(2/(fan_in + fan_out)), b = 0 (Glorot and Bengio, 2010): the same variance as
  /// ``glorotUniform``. Not truncated, as PyTorch's `xavier_normal_` (Keras' `GlorotNormal` truncates at 2σ).
  case glorotNormal = "glorot-normal"
  /// W from U(−√(6/fan_in), +√(6/fan_in)), b = 0 (He et al., 2015). Suits ReLU layers.
  case heUniform = "he-uniform"
  /// W from N(0, σ²) with σ = √(2/fan_in), b = 0 (He et al., 2015, eq. 10), untruncated as PyTorch's
  /// `kaiming_normal_`. Suits ReLU layers.
  case heNormal = "he-normal"
  /// W from U(−√(3/fan_in), +√(3/fan_in)), b = 0: variance 1/fan_in (LeCun et al., "Efficient BackProp", 1998).
  /// Suits tanh and SELU-like layers.
  case lecunUniform = "lecun-uniform"
  /// W from N(0, σ²) with σ = √(1/fan_in), b = 0 (LeCun et al., 1998), untruncated.
  case lecunNormal = "lecun-normal"
  /// Nguyen and Widrow's initialization ("Improving the learning speed of 2-layer neural networks by choosing
  /// initial values of the adaptive weights", IJCNN 1990), in the per-unit form textbooks give (Fausett,
  /// *Fundamentals of Neural Networks*, 1994, §6.2.2; MATLAB's `initnw` normalizes the same way):
  ///
  ///     W[j][k] from U(−0.5, 0.5), row-major
  ///     β = 0.7 · H^(1/n)            H = fan_out (the layer's units), n = fan_in
  ///     W[j] ← β · W[j] / ‖W[j]‖     each unit's incoming weight vector gets norm β
  ///     b[j] from U(−β, β)
  ///
  /// Meant for sigmoid or tanh hidden layers with inputs scaled to about [−1, 1]: it spreads the units' active
  /// regions over the input space. (FANN's `fann_init_weights` is a different variant: it draws every weight from
  /// U(0, s) and every bias from U(−s, s), s = (0.7·H)^(1/n) / (input range), H counting every hidden unit of the
  /// network, with no normalization; mlpack normalizes the whole matrix, not each row.) β uses `pow` from the
  /// platform library, so its last bit can differ across platforms. A row drawn as all zeros (probability below
  /// 2⁻⁵³ per row) is left at zero.
  case widrowNguyen = "widrow-nguyen"

  /// Reads a name as users type it: the raw value or a common alias (`pytorch`, `xavier`, `kaiming`, `lecun`,
  /// `nguyen-widrow`, …). A bare family name means its uniform form, as `xavier` and `kaiming` always have.
  public init?(name: String) {
    switch String(name.lowercased().map { $0 == "_" ? "-" : $0 }) {
    case "uniform-fan-in", "pytorch", "default": self = .uniformFanIn
    case "glorot-uniform", "glorot", "xavier", "xavier-uniform": self = .glorotUniform
    case "glorot-normal", "xavier-normal": self = .glorotNormal
    case "he-uniform", "he", "kaiming", "kaiming-uniform": self = .heUniform
    case "he-normal", "kaiming-normal": self = .heNormal
    case "lecun-uniform", "lecun": self = .lecunUniform
    case "lecun-normal": self = .lecunNormal
    case "widrow-nguyen", "nguyen-widrow", "widrow", "nguyen": self = .widrowNguyen
    default: return nil
    }
  }

  /// How the weights are drawn: uniform in ±bound or normal with standard deviation σ; and the bound of the
  /// biases' uniform draw, or nil for biases at 0.
  enum Distribution: Equatable {
    case uniform(bound: Double)
    case normal(standardDeviation: Double)
  }

  /// The weights' distribution and the biases' bound (nil: biases are 0 and draw nothing), computed in `Double`.
  func distribution(fanIn: Int, fanOut: Int) -> (weights: Distribution, biasBound: Double?) {
    let fanIn = Double(fanIn), fanOut = Double(fanOut)
    switch self {
    case .uniformFanIn:
      let bound = 1 / fanIn.squareRoot()
      return (.uniform(bound: bound), bound)
    case .glorotUniform: return (.uniform(bound: (6 / (fanIn + fanOut)).squareRoot()), nil)
    case .glorotNormal: return (.normal(standardDeviation: (2 / (fanIn + fanOut)).squareRoot()), nil)
    case .heUniform: return (.uniform(bound: (6 / fanIn).squareRoot()), nil)
    case .heNormal: return (.normal(standardDeviation: (2 / fanIn).squareRoot()), nil)
    case .lecunUniform: return (.uniform(bound: (3 / fanIn).squareRoot()), nil)
    case .lecunNormal: return (.normal(standardDeviation: (1 / fanIn).squareRoot()), nil)
    case .widrowNguyen: return (.uniform(bound: 0.5), Self.widrowNguyenBeta(fanIn: fanIn, fanOut: fanOut))
    }
  }

  /// β = 0.7·H^(1/n), H = fan_out, n = fan_in.
  static func widrowNguyenBeta(fanIn: Double, fanOut: Double) -> Double {
    0.7 * Double.pow(fanOut, 1 / fanIn)
  }

  /// Draws W (outputs × inputs, row-major) and then b (`outputs` of them, when `biases`) from `generator`.
  func draw<Scalar: BackpropScalar>(
    inputs: Int, outputs: Int, biases: Bool, using generator: inout SeededGenerator
  ) -> (weights: Matrix<Scalar>, biases: [Scalar]) {
    let (weights, biasBound) = distribution(fanIn: inputs, fanOut: outputs)
    var w = [Double](repeating: 0, count: outputs * inputs)
    switch weights {
    case .uniform(let bound):
      for i in w.indices { w[i] = generator.nextUniform(in: -bound, bound) }
    case .normal(let sigma):
      for i in w.indices { w[i] = sigma * generator.nextGaussian() }
    }
    if self == .widrowNguyen, let beta = biasBound {
      for j in 0..<outputs {
        let row = (j * inputs)..<((j + 1) * inputs)
        var squares = 0.0
        for i in row { squares += w[i] * w[i] }
        let norm = squares.squareRoot()
        if norm > 0 { for i in row { w[i] = beta * w[i] / norm } }
      }
    }
    let matrix = try! Matrix<Scalar>(rows: outputs, columns: inputs, scalars: w.map { Scalar($0) })
    guard biases else { return (matrix, []) }
    guard let bound = biasBound else { return (matrix, Array(repeating: 0, count: outputs)) }
    return (matrix, (0..<outputs).map { _ in Scalar(generator.nextUniform(in: -bound, bound)) })
  }
}

/// How a layer's weights W (n[l] × n[l−1]) and biases b start, before training.
///
/// Values are drawn from a ``SeededGenerator``, weights first in row-major order, then biases, so the same seed
/// gives the same network everywhere. fan_in = n[l−1], fan_out = n[l].
public enum Initializer: String, CaseIterable, Codable, Sendable {
  /// W and b from U(−1/√fan_in, +1/√fan_in): what PyTorch's `nn.Linear` does. The default.
  case uniformFanIn = "uniform-fan-in"
  /// W from U(−√(6/(fan_in + fan_out)), +√(6/(fan_in + fan_out))), b = 0 (Glorot and Bengio, 2010). Suits
  /// sigmoid and tanh layers.
  case glorotUniform = "glorot-uniform"
  /// W from U(−√(6/fan_in), +√(6/fan_in)), b = 0 (He et al., 2015). Suits ReLU layers.
  case heUniform = "he-uniform"

  /// Reads a name as users type it: the raw value or a common alias (`pytorch`, `xavier`, `kaiming`).
  public init?(name: String) {
    switch String(name.lowercased().map { $0 == "_" ? "-" : $0 }) {
    case "uniform-fan-in", "pytorch", "default": self = .uniformFanIn
    case "glorot-uniform", "glorot", "xavier", "xavier-uniform": self = .glorotUniform
    case "he-uniform", "he", "kaiming", "kaiming-uniform": self = .heUniform
    default: return nil
    }
  }

  /// The half-width of the uniform distribution of the weights, and whether biases are drawn from it too.
  func weightBound(fanIn: Int, fanOut: Int) -> (bound: Double, drawsBiases: Bool) {
    switch self {
    case .uniformFanIn: return (1 / Double(fanIn).squareRoot(), true)
    case .glorotUniform: return ((6 / Double(fanIn + fanOut)).squareRoot(), false)
    case .heUniform: return ((6 / Double(fanIn)).squareRoot(), false)
    }
  }
}

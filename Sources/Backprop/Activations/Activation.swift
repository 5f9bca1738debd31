/// The activation function g of a layer, A = g(Z), and its derivative for the backward pass, dZ = dA ∘ g′(Z).
///
/// Each case's math lives in its own file (`Sigmoid.swift`, `ReLU.swift`, …) with g and g′ side by side. Where
/// the derivative can be written from the cached output A, as the seeds do with σ′ = σ(1 − σ), it is.
/// The raw value is the name used on the command line and in model files.
public enum Activation: String, CaseIterable, Codable, Sendable {
  /// σ(z) = 1 / (1 + e^(−z)); σ′ = a(1 − a).
  case sigmoid
  /// tanh z; g′ = 1 − a².
  case tanh
  /// max(0, z); g′ = 1 for z > 0, else 0.
  case relu
  /// z for z > 0, else 0.01·z.
  case leakyReLU = "leaky-relu"
  /// The identity g(z) = z (seed 000's output layer).
  case linear
  /// e^(zₖ) / Σⱼ e^(zⱼ) over each column, with its full Jacobian–vector product in the backward pass.
  case softmax
  /// z for z > 0, else e^z − 1.
  case elu
  /// z·Φ(z), Φ the standard normal distribution function (exact, erf-based).
  case gelu
  /// log(1 + e^z); g′ = σ(z).
  case softplus

  /// Reads a name as users type it: the raw value, or a common alias (`identity`, `leaky_relu`, `logistic`).
  public init?(name: String) {
    let key = String(name.lowercased().map { $0 == "_" ? "-" : $0 })
    switch key {
    case "identity", "none": self = .linear
    case "logistic": self = .sigmoid
    case "leakyrelu": self = .leakyReLU
    default:
      guard let activation = Activation(rawValue: key) else { return nil }
      self = activation
    }
  }

  /// g applied to a whole matrix (softmax column by column).
  public func apply<Scalar>(to z: Matrix<Scalar>) -> Matrix<Scalar> {
    var a = z
    guard !z.scalars.isEmpty else { return a }
    z.withUnsafeBufferPointer { zp in
      a.withUnsafeMutableBufferPointer { ap in
        apply(zp.baseAddress!, ap.baseAddress!, rows: z.rows, columns: z.columns)
      }
    }
    return a
  }

  /// g′(z) for one unit, from z and the cached a = g(z). Softmax has no per-unit derivative (its Jacobian mixes
  /// the units of a sample), so this returns nil for it.
  func derivative<T: BackpropScalar>(z: T, a: T) -> T? {
    switch self {
    case .sigmoid: return Sigmoid.derivative(z: z, a: a)
    case .tanh: return Tanh.derivative(z: z, a: a)
    case .relu: return ReLU.derivative(z: z, a: a)
    case .leakyReLU: return LeakyReLU.derivative(z: z, a: a)
    case .linear: return Linear.derivative(z: z, a: a)
    case .softmax: return nil
    case .elu: return ELU.derivative(z: z, a: a)
    case .gelu: return GELU.derivative(z: z, a: a)
    case .softplus: return Softplus.derivative(z: z, a: a)
    }
  }

  // MARK: Sweeps over buffers

  /// A = g(Z) over a rows × columns buffer; `a` may be the same memory as `z`.
  @inline(__always)
  func apply<T: BackpropScalar>(_ z: UnsafePointer<T>, _ a: UnsafeMutablePointer<T>, rows: Int, columns: Int) {
    if Kernels.biasActivation(self, bias: nil, z: UnsafeMutablePointer(mutating: z), a: a, rows: rows, columns: columns) {
      return  // Float, in the C kernels (they do not write z when there is no bias)
    }
    let count = rows * columns
    switch self {
    case .sigmoid: Activation.map(z, a, count, Sigmoid.value)
    case .tanh: Activation.map(z, a, count, Tanh.value)
    case .relu: Activation.map(z, a, count, ReLU.value)
    case .leakyReLU: Activation.map(z, a, count, LeakyReLU.value)
    case .linear: if UnsafePointer(a) != z { a.update(from: z, count: count) }
    case .softmax: Softmax.apply(z, a, rows: rows, columns: columns)
    case .elu: Activation.map(z, a, count, ELU.value)
    case .gelu: Activation.map(z, a, count, GELU.value)
    case .softplus: Activation.map(z, a, count, Softplus.value)
    }
  }

  /// dZ = dA ∘ g′(Z) in place: `d` holds dA on entry and dZ on return. Softmax applies its Jacobian instead.
  @inline(__always)
  func backward<T: BackpropScalar>(
    z: UnsafePointer<T>, a: UnsafePointer<T>, _ d: UnsafeMutablePointer<T>, rows: Int, columns: Int
  ) {
    let count = rows * columns
    if Kernels.activationBackward(self, z: z, a: a, d: d, count: count) { return }  // Float, in the C kernels
    switch self {
    case .sigmoid: Activation.scale(d, z, a, count, Sigmoid.derivative)
    case .tanh: Activation.scale(d, z, a, count, Tanh.derivative)
    case .relu: Activation.scale(d, z, a, count, ReLU.derivative)
    case .leakyReLU: Activation.scale(d, z, a, count, LeakyReLU.derivative)
    case .linear: break
    case .softmax: Softmax.backward(a: a, d, rows: rows, columns: columns)
    case .elu: Activation.scale(d, z, a, count, ELU.derivative)
    case .gelu: Activation.scale(d, z, a, count, GELU.derivative)
    case .softplus: Activation.scale(d, z, a, count, Softplus.derivative)
    }
  }

  @inline(__always)
  private static func map<T: BackpropScalar>(_ z: UnsafePointer<T>, _ a: UnsafeMutablePointer<T>, _ count: Int, _ g: (T) -> T) {
    for i in 0..<count { a[i] = g(z[i]) }
  }

  @inline(__always)
  private static func scale<T: BackpropScalar>(
    _ d: UnsafeMutablePointer<T>, _ z: UnsafePointer<T>, _ a: UnsafePointer<T>, _ count: Int,
    _ gPrime: (T, T) -> T
  ) {
    for i in 0..<count { d[i] *= gPrime(z[i], a[i]) }
  }
}

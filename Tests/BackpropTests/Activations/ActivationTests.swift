import Backprop
import BackpropTestSupport
import Foundation
import Testing

@Suite("Activations")
struct ActivationTests {
  static let z: [Double] = [-3, -0.5, 0, 0.25, 2]

  /// g(z) written independently with Foundation's functions.
  static func expected(_ activation: Activation, _ z: Double) -> Double {
    switch activation {
    case .sigmoid: return 1 / (1 + Foundation.exp(-z))
    case .tanh: return Foundation.tanh(z)
    case .relu: return Swift.max(0, z)
    case .leakyReLU: return z > 0 ? z : 0.01 * z
    case .linear: return z
    case .softmax: return .nan
    case .elu: return z > 0 ? z : Foundation.exp(z) - 1
    case .gelu: return 0.5 * z * (1 + Foundation.erf(z / 2.0.squareRoot()))
    case .softplus: return Foundation.log(1 + Foundation.exp(z))
    }
  }

  @Test("g matches its textbook formula", arguments: Activation.allCases.filter { $0 != .softmax })
  func values(activation: Activation) throws {
    let a = activation.apply(to: Matrix(column: Self.z))
    expectClose(a.scalars, Self.z.map { Self.expected(activation, $0) }, Tolerance(atol: 1e-15, rtol: 1e-14), "\(activation)")
  }

  @Test("hand-computed values: σ(0) = ½, tanh(0) = 0, softplus(0) = log 2, GELU(1) = Φ(1)")
  func handValues() {
    #expect(Activation.sigmoid.apply(to: Matrix(column: [0.0])).scalars == [0.5])
    #expect(Activation.tanh.apply(to: Matrix(column: [0.0])).scalars == [0])
    #expect(abs(Activation.softplus.apply(to: Matrix(column: [0.0]))[0, 0] - 0.6931471805599453) < 1e-16)
    #expect(abs(Activation.gelu.apply(to: Matrix(column: [1.0]))[0, 0] - 0.8413447460685429) < 1e-15)
    #expect(Activation.relu.apply(to: Matrix(column: [-2.0, 3])).scalars == [0, 3])
  }

  @Test("softplus and sigmoid stay finite and exact for large |z|")
  func extremes() {
    let z = Matrix<Double>(column: [-800, 800])
    #expect(Activation.softplus.apply(to: z).scalars == [0, 800])
    #expect(Activation.sigmoid.apply(to: z).scalars == [0, 1])
  }

  @Test("softmax: each column sums to 1, shifts do not change it, large logits do not overflow")
  func softmaxColumns() throws {
    let z = try Matrix<Double>(rows: [[1, 1000, -5], [2, 1001, -5], [3, 999, -5]])
    let a = Activation.softmax.apply(to: z)
    for j in 0..<3 {
      #expect(abs(a.column(j).reduce(0, +) - 1) < 1e-15)
    }
    // softmax(1, 2, 3) written out.
    let e = [1.0, 2, 3].map { Foundation.exp($0) }
    expectClose(a.column(0), e.map { $0 / e.reduce(0, +) }, Tolerance(atol: 1e-16, rtol: 1e-15), "softmax(1,2,3)")
    // (1000, 1001, 999) is (1, 2, 0) shifted by 999.
    let f = [1.0, 2, 0].map { Foundation.exp($0) }
    expectClose(a.column(1), f.map { $0 / f.reduce(0, +) }, Tolerance(atol: 1e-16, rtol: 1e-14), "shifted logits")
    expectClose(a.column(2), [1.0 / 3, 1.0 / 3, 1.0 / 3], Tolerance(atol: 1e-16, rtol: 0), "equal logits")
  }
}

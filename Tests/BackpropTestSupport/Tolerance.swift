import Backprop
import Testing

/// The reference README's rule: pass when |got − want| ≤ atol + rtol·|want|, element by element.
public struct Tolerance: Sendable, CustomStringConvertible {
  public var atol: Double
  public var rtol: Double

  public init(atol: Double, rtol: Double) {
    self.atol = atol
    self.rtol = rtol
  }

  /// The reference vectors' suggested tolerance for `Double`.
  public static let double = Tolerance(atol: 1e-12, rtol: 1e-9)
  /// The reference vectors' suggested tolerance for `Float`.
  public static let float = Tolerance(atol: 1e-6, rtol: 1e-4)

  public static func reference<Scalar: BackpropScalar>(for _: Scalar.Type) -> Tolerance {
    Scalar.self == Double.self ? .double : .float
  }

  public func accepts(_ got: Double, _ want: Double) -> Bool { abs(got - want) <= atol + rtol * abs(want) }

  public var description: String { "atol \(atol), rtol \(rtol)" }
}

/// Expects `got` to match `want` element by element within `tolerance`, naming the first element that does not.
public func expectClose(
  _ got: [Double], _ want: [Double], _ tolerance: Tolerance, _ what: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  guard got.count == want.count else {
    Issue.record("\(what): \(got.count) values, expected \(want.count)", sourceLocation: sourceLocation)
    return
  }
  for (index, (g, w)) in zip(got, want).enumerated() where !tolerance.accepts(g, w) {
    Issue.record("\(what)[\(index)] = \(g), expected \(w) (\(tolerance))", sourceLocation: sourceLocation)
    return
  }
}

public func expectClose<Scalar: BackpropScalar>(
  _ got: Matrix<Scalar>, _ want: [[Double]], _ tolerance: Tolerance, _ what: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(got.rows == want.count, "\(what): rows", sourceLocation: sourceLocation)
  expectClose(got.scalars.map(Double.init), want.flatMap { $0 }, tolerance, what, sourceLocation: sourceLocation)
}

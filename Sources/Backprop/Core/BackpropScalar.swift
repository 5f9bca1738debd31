import RealModule

/// The floating-point types a network computes in: `Float` for speed, `Double` for gradient checks and for
/// learners' exact numbers.
///
/// Every formula in Backprop is written once, generically, over this protocol. The elementary functions
/// (`exp`, `log`, `tanh`, `erf`, …) come from swift-numerics' `Real`, so one body serves both types.
/// Public entry points that run whole passes are pre-specialized for `Float` and `Double`, so the hot loops run
/// concrete code whichever module calls them.
public protocol BackpropScalar: Real, BinaryFloatingPoint, LosslessStringConvertible, Codable, Sendable {}

extension Float: BackpropScalar {}
extension Double: BackpropScalar {}

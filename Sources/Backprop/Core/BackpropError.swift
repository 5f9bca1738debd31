/// An error about the values handed to Backprop: shapes that do not fit, numbers that are not finite,
/// arguments outside their range. Every case records where the problem is and what was expected, and
/// `description` turns that into one sentence.
public enum BackpropError: Error, Sendable, Equatable, CustomStringConvertible {
  /// Two shapes that must fit do not. `context` names the layer or the argument, e.g. "layer 2, W·A_prev".
  case shapeMismatch(context: String, expected: String, found: String)
  /// A value that must be finite is NaN or infinite. `name` is the matrix (e.g. "inputs"), then its position.
  case notFinite(name: String, row: Int, column: Int, value: Double)
  /// An argument outside its range, e.g. a batch size of 0.
  case invalidArgument(name: String, value: String, expected: String)
  /// Training produced a cost, gradient or parameter that is NaN or infinite; the update was not applied.
  /// `epoch` (from 1) and `layer` (from 1, the first whose parameters or gradients are not finite) when known.
  case diverged(epoch: Int? = nil, step: Int, layer: Int? = nil, cost: Double, hint: String)

  public var description: String {
    switch self {
    case let .shapeMismatch(context, expected, found):
      return "\(context): expected \(expected), found \(found)"
    case let .notFinite(name, row, column, value):
      return "\(name), row \(row + 1), column \(column + 1): expected a finite number, found \(value)"
    case let .invalidArgument(name, value, expected):
      return "\(name) = \(value): expected \(expected)"
    case let .diverged(epoch, step, layer, cost, hint):
      let when = (epoch.map { "epoch \($0), " } ?? "") + "step \(step)"
      let where_ = layer.map { " (layer \($0) is the first whose weights, biases or gradients are not finite)" } ?? ""
      return "training diverged at \(when): the cost is \(cost.isNaN ? "NaN" : "\(cost)")\(where_); the update was not applied (\(hint))"
    }
  }
}

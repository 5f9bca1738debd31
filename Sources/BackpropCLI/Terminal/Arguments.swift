import ArgumentParser
import Backprop

/// Comma-separated lists as the options take them (`--layers 4,5,4,3`, `--weights 0.5,-1.2,0.8`), read into
/// values or rejected with a message that names the option, the bad item and what was expected.
enum Arguments {
  static func numbers(_ text: String, option: String, count: Int? = nil) throws -> [Double] {
    let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    var values: [Double] = []
    for (index, item) in items.enumerated() {
      guard let value = Double(item), value.isFinite else {
        throw ValidationError("\(option): item \(index + 1) is '\(item)'; expected a finite number")
      }
      values.append(value)
    }
    if let count, values.count != count {
      throw ValidationError("\(option): expected \(count) comma-separated numbers, found \(values.count) in '\(text)'")
    }
    return values
  }

  /// Positive sizes; at least `minimumCount` of them (2 for `--layers`: inputs and outputs).
  static func sizes(_ text: String, option: String, minimumCount: Int = 2) throws -> [Int] {
    let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    let sizes = try items.enumerated().map { index, item in
      guard let size = Int(item), size > 0 else {
        throw ValidationError("\(option): item \(index + 1) is '\(item)'; expected a positive whole number")
      }
      return size
    }
    guard sizes.count >= minimumCount else {
      throw ValidationError(
        "\(option): expected at least \(minimumCount == 2 ? "two sizes (inputs and outputs)" : "\(minimumCount) size(s)"), found '\(text)'")
    }
    return sizes
  }

  static func activations(_ text: String, option: String) throws -> [Activation] {
    try text.split(separator: ",", omittingEmptySubsequences: false).map {
      try activation(String($0).trimmingCharacters(in: .whitespaces), option: option)
    }
  }

  static func activation(_ name: String, option: String) throws -> Activation {
    guard let activation = Activation(name: name) else {
      throw ValidationError(
        "\(option): unknown activation '\(name)'; expected one of \(Activation.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return activation
  }

  /// Selects the backend named by `--backend` (native, openblas or accelerate) for the rest of the process; nil
  /// keeps the native kernels. An unknown name, or a backend whose library cannot be loaded here, is a
  /// `ValidationError` (exit 64) naming the option, the reason and the backends this machine has.
  static func selectBackend(_ name: String?, option: String = "--backend") throws {
    guard let name else { return }
    let available = "available here: " + ComputeBackend.available.map(\.rawValue).joined(separator: ", ")
    guard let backend = ComputeBackend(rawValue: name.lowercased()) else {
      throw ValidationError(
        "\(option): unknown backend '\(name)'; expected one of "
          + "\(ComputeBackend.allCases.map(\.rawValue).joined(separator: ", ")) (\(available))")
    }
    do {
      try ComputeBackend.select(backend)
    } catch {
      throw ValidationError("\(option) \(error); \(available)")
    }
  }

  static func loss(_ text: String, option: String) throws -> Loss {
    guard let loss = Loss(name: text) else {
      throw ValidationError(
        "\(option): unknown loss '\(text)'; expected one of \(Loss.allCases.map(\.rawValue).joined(separator: ", ")) "
          + "(or mse, bce, ce)")
    }
    return loss
  }
}

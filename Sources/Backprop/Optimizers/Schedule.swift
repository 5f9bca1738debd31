import Foundation

/// How the learning rate η changes from epoch to epoch, as PyTorch's `torch.optim.lr_scheduler` does once per
/// epoch. With η₀ the optimizer's rate, e the epoch counted from 0 and E the epochs of the run:
///
///     step(every: k, factor: γ)          η_e = η₀ · γ^⌊e / k⌋                          (StepLR)
///     exponential(factor: γ)             η_e = η₀ · γ^e                                (ExponentialLR)
///     cosine(warmup: w, minimum: η_min)  η_e = η₀ · (e + 1) / w                 for e < w (linear warm-up)
///                                        η_e = η_min + ½(η₀ − η_min)(1 + cos(π·(e − w)/(E − w)))  (CosineAnnealingLR)
///     plateau(patience: p, factor: γ)    η ← γ·η after p + 1 epochs in a row without a loss below
///                                        best·(1 − 10⁻⁴)                              (ReduceLROnPlateau)
///
/// The plateau schedule watches the validation loss, or the training loss without a validation split; its state
/// (the current factor, the best loss, the epochs since) is saved in checkpoints, so a resumed run follows the same
/// rates. The rates are computed in Double with IEEE operations and `cos`, and given to the optimizer as its η.
public enum LearningRateSchedule: Codable, Sendable, Equatable {
  case step(every: Int, factor: Double)
  case exponential(factor: Double)
  case cosine(warmup: Int, minimum: Double)
  case plateau(patience: Int, factor: Double)

  /// Reads `step:K:γ`, `exponential:γ`, `cosine`, `cosine:W` or `cosine:W:η_min`, `plateau:P:γ` (defaults: step
  /// γ 0.1, plateau P 10 and γ 0.1, as PyTorch's).
  ///
  /// - Throws: `BackpropError.invalidArgument` for an unknown name or a value out of range.
  public init(parsing text: String) throws {
    let parts = text.lowercased().split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    func number(_ i: Int, _ fallback: Double?) throws -> Double {
      guard i < parts.count else {
        guard let fallback else { throw Self.invalid(text) }
        return fallback
      }
      guard let value = Double(parts[i]), value.isFinite else { throw Self.invalid(text) }
      return value
    }
    switch parts[0] {
    case "step" where parts.count <= 3: self = .step(every: Int(try number(1, nil)), factor: try number(2, 0.1))
    case "exponential", "exp": self = .exponential(factor: try number(1, nil))
    case "cosine", "cos": self = .cosine(warmup: Int(try number(1, 0)), minimum: try number(2, 0))
    case "plateau" where parts.count <= 3: self = .plateau(patience: Int(try number(1, 10)), factor: try number(2, 0.1))
    default: throw Self.invalid(text)
    }
    try validate()
  }

  private static func invalid(_ text: String) -> BackpropError {
    .invalidArgument(
      name: "schedule", value: text,
      expected: "step:EVERY[:FACTOR], exponential:FACTOR, cosine[:WARMUP[:MIN]] or plateau[:PATIENCE[:FACTOR]]")
  }

  /// Throws `BackpropError.invalidArgument` unless the epoch counts are whole (every ≥ 1, warm-up and patience
  /// ≥ 0), the factors in (0, 1] and the cosine floor ≥ 0.
  public func validate() throws {
    let valid = switch self {
    case .step(let every, let factor): every >= 1 && factor > 0 && factor <= 1
    case .exponential(let factor): factor > 0 && factor <= 1
    case .cosine(let warmup, let minimum): warmup >= 0 && minimum >= 0
    case .plateau(let patience, let factor): patience >= 0 && factor > 0 && factor <= 1
    }
    guard valid else {
      throw BackpropError.invalidArgument(
        name: "schedule", value: description,
        expected: "whole epochs (every ≥ 1, warm-up and patience ≥ 0), factors in (0, 1] and a floor ≥ 0")
    }
  }

  /// η for epoch `epoch` (from 0) of `epochs`, from η₀ = `base`; for `plateau`, η₀ times the current `factor`.
  public func rate(base: Double, epoch e: Int, epochs: Int, plateauFactor: Double = 1) -> Double {
    switch self {
    case .step(let every, let factor): return base * power(factor, e / every)
    case .exponential(let factor): return base * power(factor, e)
    case .cosine(let warmup, let minimum):
      if e < warmup { return base * Double(e + 1) / Double(warmup) }
      let span = max(epochs - warmup, 1)
      return minimum + 0.5 * (base - minimum) * (1 + cos(Double.pi * Double(min(e - warmup, span)) / Double(span)))
    case .plateau: return base * plateauFactor
    }
  }

  /// `step:10:0.5`, as it is parsed.
  public var description: String {
    switch self {
    case .step(let every, let factor): "step:\(every):\(factor)"
    case .exponential(let factor): "exponential:\(factor)"
    case .cosine(let warmup, let minimum): "cosine:\(warmup):\(minimum)"
    case .plateau(let patience, let factor): "plateau:\(patience):\(factor)"
    }
  }
}

/// Where a plateau schedule stands: the factor on η₀ now, the best loss seen and the epochs since it.
public struct PlateauState: Codable, Sendable, Equatable {
  public var factor: Double = 1
  public var best: Double = .infinity
  public var badEpochs = 0

  public init() {}

  /// PyTorch's rule (mode min, relative threshold 10⁻⁴, no cool-down): a loss below best·(1 − 10⁻⁴) is an
  /// improvement; after more than `patience` epochs without one, the factor is multiplied by `decay`.
  public mutating func observe(_ loss: Double, patience: Int, decay: Double) {
    if loss < best * (1 - 1e-4) {
      best = loss
      badEpochs = 0
    } else {
      badEpochs += 1
    }
    if badEpochs > patience {
      factor *= decay
      badEpochs = 0
    }
  }

  // `best` starts at +∞, which JSON cannot hold: it is written as nil.
  private enum CodingKeys: String, CodingKey { case factor, best, badEpochs }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    factor = try container.decode(Double.self, forKey: .factor)
    best = try container.decodeIfPresent(Double.self, forKey: .best) ?? .infinity
    badEpochs = try container.decode(Int.self, forKey: .badEpochs)
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(factor, forKey: .factor)
    if best.isFinite { try container.encode(best, forKey: .best) }
    try container.encode(badEpochs, forKey: .badEpochs)
  }
}

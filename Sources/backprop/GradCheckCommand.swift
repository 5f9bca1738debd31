import ArgumentParser
import Backprop

/// `backprop gradcheck`: backpropagation against finite differences on a random network.
struct GradCheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gradcheck",
    abstract: "Check backpropagation against finite differences, in Float64, tensor by tensor.",
    discussion: """
      Builds a network with random parameters (default initializer), a random batch of inputs in [-1, 1) and \
      targets that suit the loss (one-hot classes for cross-entropy, 0/1 for binary cross-entropy, [-1, 1) for \
      squared error), then compares every backpropagated ∂C/∂W and ∂C/∂b with a fourth-order central \
      difference. Each tensor's error is ‖g − ĝ‖ / max(‖g‖, ‖ĝ‖). Exits with status 1 when the largest error is \
      above --tolerance.
      """)

  @Option(help: "Layer sizes n[0],…,n[L], e.g. 4,5,4,3.")
  var layers: String = "4,5,4,3"

  @Option(help: "One activation per layer (or one for all), e.g. tanh,relu,softmax.")
  var activations: String = "tanh,relu,softmax"

  @Option(help: "The cost: mean-squared-error (mse), binary-cross-entropy (bce) or cross-entropy (ce).")
  var loss: String = "cross-entropy"

  @Option(help: "The seed of the parameters and the batch.")
  var seed: UInt64 = 1

  @Option(name: .customLong("batch-size"), help: "m, the number of samples in the batch.")
  var batchSize: Int = 8

  @Option(help: "The largest relative error that passes.")
  var tolerance: Double = 1e-7

  @Option(help: "h, the finite-difference step.")
  var step: Double = 1e-5

  @Flag(help: "Print a JSON report (max_relative_error, passed, tensors) instead of a table.")
  var json = false

  func validate() throws {
    guard batchSize > 0 else { throw ValidationError("--batch-size \(batchSize): expected at least 1") }
    guard tolerance.isFinite, tolerance > 0 else {
      throw ValidationError("--tolerance \(tolerance): expected a finite number greater than 0")
    }
    guard step.isFinite, step > 0 else { throw ValidationError("--step \(step): expected a finite number greater than 0") }
    let sizes = try Arguments.sizes(layers, option: "--layers")
    let activations = try Arguments.activations(activations, option: "--activations")
    guard activations.count == 1 || activations.count == sizes.count - 1 else {
      throw ValidationError(
        "--activations: \(sizes.count - 1) layers (\(layers)) need \(sizes.count - 1) activations or one for all; "
          + "found \(activations.count)")
    }
    _ = try Arguments.loss(loss, option: "--loss")
  }

  func run() throws {
    let sizes = try Arguments.sizes(layers, option: "--layers")
    var activations = try Arguments.activations(activations, option: "--activations")
    if activations.count == 1 { activations = Array(repeating: activations[0], count: sizes.count - 1) }
    let loss = try Arguments.loss(loss, option: "--loss")

    var generator = SeededGenerator(seed: seed)
    let network = try Network<Double>(sizes: sizes, activations: activations, loss: loss, using: &generator)
    let inputs = Matrix<Double>(rows: sizes[0], columns: batchSize).map { _ in generator.nextUniform(in: -1, 1) }
    let targets = randomTargets(rows: sizes[sizes.count - 1], columns: batchSize, loss: loss, using: &generator)
    let check = try GradientCheck(network: network, inputs: inputs, targets: targets, step: step)
    let passed = check.passed(tolerance: tolerance)

    if json {
      try Output.json(Report(
        passed: passed, maxRelativeError: check.maxRelativeError, tolerance: tolerance, step: step,
        layers: sizes, activations: activations.map(\.rawValue), loss: loss.rawValue, seed: seed, batchSize: batchSize,
        tensors: check.tensors.map {
          .init(name: $0.name, shape: [$0.rows, $0.columns], relativeError: $0.relativeError,
                maxAbsoluteError: $0.maxAbsoluteError, gradientNorm: $0.gradientNorm)
        }))
    } else {
      print("Gradient check: layers \(sizes.map(String.init).joined(separator: "-")), "
            + "\(activations.map(\.rawValue).joined(separator: " → ")), \(loss.rawValue), batch of \(batchSize), "
            + "seed \(seed), h = \(step)")
      print(Output.table([["tensor", "shape", "‖∂C/∂θ‖", "max |g − ĝ|", "relative error"]] + check.tensors.map {
        [$0.name, "\($0.rows)×\($0.columns)", Output.magnitude($0.gradientNorm), Output.magnitude($0.maxAbsoluteError),
         Output.magnitude($0.relativeError)]
      }))
      let verdict = passed ? "≤" : ">"
      print("max relative error \(Output.magnitude(check.maxRelativeError)) \(verdict) tolerance "
            + "\(Output.magnitude(tolerance)): \(passed ? "PASS" : "FAIL")")
    }
    if !passed { throw ExitCode.failure }
  }

  private func randomTargets(rows: Int, columns: Int, loss: Loss, using generator: inout SeededGenerator) -> Matrix<Double> {
    var targets = Matrix<Double>(rows: rows, columns: columns)
    for j in 0..<columns {
      switch loss {
      case .crossEntropy:
        targets[generator.nextInt(below: rows), j] = 1
      case .binaryCrossEntropy:
        for i in 0..<rows { targets[i, j] = Double(generator.nextInt(below: 2)) }
      case .meanSquaredError:
        for i in 0..<rows { targets[i, j] = generator.nextUniform(in: -1, 1) }
      }
    }
    return targets
  }

  struct Report: Encodable {
    struct Tensor: Encodable {
      var name: String, shape: [Int], relativeError: Double, maxAbsoluteError: Double, gradientNorm: Double
      enum CodingKeys: String, CodingKey {
        case name, shape
        case relativeError = "relative_error", maxAbsoluteError = "max_absolute_error", gradientNorm = "gradient_norm"
      }
    }
    var passed: Bool, maxRelativeError: Double, tolerance: Double, step: Double
    var layers: [Int], activations: [String], loss: String, seed: UInt64, batchSize: Int
    var tensors: [Tensor]
    enum CodingKeys: String, CodingKey {
      case passed, tolerance, step, layers, activations, loss, seed, tensors
      case maxRelativeError = "max_relative_error", batchSize = "batch_size"
    }
  }
}

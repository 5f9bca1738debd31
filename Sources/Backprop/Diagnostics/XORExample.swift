/// Seed 000's XOR example: a [2, 2, 2, 1] sigmoid network trained by full-batch gradient descent on the squared
/// error, C = 1/(2m)·Σ(ŷ − y)², over the four inputs 00, 01, 10, 11.
///
/// Seed 000 warns that such a network can sit on a plateau for a while, or for good: with all four outputs near
/// 0.5 the cost is flat and the gradient tiny. ``Outcome`` tells the three endings apart.
public enum XORExample {
  /// The four inputs as columns: 00, 01, 10, 11.
  public static let inputs = try! Matrix<Double>(rows: [[0, 0, 1, 1], [0, 1, 0, 1]])
  /// Their XOR.
  public static let targets = try! Matrix<Double>(rows: [[0, 1, 1, 0]])
  /// The layer sizes of seed 000's listing.
  public static let sizes = [2, 2, 2, 1]
  /// Defaults that solve XOR: η = 2 (the seed's 0.1 needs far more steps), 10,000 steps, seed 1.
  public static let defaults = (learningRate: 2.0, steps: 10_000, seed: UInt64(1))

  /// How a run ended.
  public enum Outcome: String, Sendable, Codable {
    /// Every output is on the right side of 0.5.
    case solved
    /// Every output is within 0.1 of 0.5: the flat region seed 000 warns about.
    case plateau
    /// Some outputs are wrong, but not all sit at 0.5 (another local minimum, or not enough steps).
    case unsolved
  }

  /// The end of a run.
  public struct Result: Sendable {
    public var network: Network<Double>
    /// ŷ for 00, 01, 10, 11.
    public var outputs: [Double]
    /// C after the last step.
    public var loss: Double
    public var outcome: Outcome
  }

  /// Trains a freshly initialized network (default initializer, drawn from `SeededGenerator(seed:)`) for `steps`
  /// full-batch steps of `w := w − η·∂C/∂w`, calling `progress(step, cost)` every `reportEvery` steps and
  /// after the last.
  ///
  /// - Throws: `BackpropError` for a learning rate or step count out of range, or a run that diverges.
  public static func train(
    learningRate: Double = defaults.learningRate, steps: Int = defaults.steps, seed: UInt64 = defaults.seed,
    reportEvery: Int = 1000, progress: (_ step: Int, _ cost: Double) -> Void = { _, _ in }
  ) throws -> Result {
    guard steps >= 0 else {
      throw BackpropError.invalidArgument(name: "steps", value: "\(steps)", expected: "0 or more")
    }
    var generator = SeededGenerator(seed: seed)
    var network = try Network<Double>(
      sizes: sizes, activations: [.sigmoid, .sigmoid, .sigmoid], loss: .meanSquaredError, using: &generator)
    var trainer = Trainer<Double>(optimizer: try GradientDescent(learningRate: learningRate))
    _ = try trainer.steps(steps, on: &network, inputs: inputs, targets: targets) { step, cost in
      if reportEvery > 0, (step - 1) % reportEvery == 0 { progress(step - 1, cost) }  // before step `step`'s update
    }
    let loss = try network.cost(inputs: inputs, targets: targets)
    progress(steps, loss)
    let outputs = try network.predict(inputs).scalars
    return Result(network: network, outputs: outputs, loss: loss, outcome: outcome(of: outputs))
  }

  /// Which ending the outputs for 00, 01, 10, 11 show.
  public static func outcome(of outputs: [Double]) -> Outcome {
    if zip(outputs, targets.scalars).allSatisfy({ abs($0 - $1) < 0.5 }) { return .solved }
    if outputs.allSatisfy({ abs($0 - 0.5) < 0.1 }) { return .plateau }
    return .unsolved
  }
}

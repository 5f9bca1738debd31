import ArgumentParser
import Backprop

/// `backprop example …`: the seeds' small training examples, run end to end.
struct ExampleCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "example", abstract: "Run one of the seeds' training examples.", subcommands: [XOR.self])

  /// `backprop example xor`: seed 000's [2,2,2,1] sigmoid network learns XOR.
  struct XOR: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "xor",
      abstract: "Train seed 000's [2,2,2,1] sigmoid network on XOR by full-batch gradient descent.",
      discussion: """
        The cost is the squared error C = 1/(2m)·Σ(ŷ − y)² over the four inputs 00, 01, 10, 11. Prints the cost \
        every --report-every steps, the four outputs, and whether XOR was learned. Seed 000 warns that such a \
        network can get stuck where all outputs sit near 0.5; the command says so when it happens.
        """)

    @Option(name: [.customLong("learning-rate"), .customShort("l")], help: "η, the gradient-descent step size.")
    var learningRate: Double = XORExample.defaults.learningRate

    @Option(help: "The number of full-batch gradient-descent steps.")
    var steps: Int = XORExample.defaults.steps

    @Option(help: "The seed of the initial weights.")
    var seed: UInt64 = XORExample.defaults.seed

    @Option(name: .customLong("report-every"), help: "Print the cost every N steps (0: only at the end).")
    var reportEvery: Int = 1000

    @Flag(help: "Print a JSON object (outputs, loss, solved, outcome) instead of text.")
    var json = false

    func validate() throws {
      guard learningRate.isFinite, learningRate > 0 else {
        throw ValidationError("--learning-rate \(learningRate): expected a finite number greater than 0")
      }
      guard steps >= 0 else { throw ValidationError("--steps \(steps): expected 0 or more") }
      guard reportEvery >= 0 else { throw ValidationError("--report-every \(reportEvery): expected 0 or more") }
    }

    func run() throws {
      if !json {
        print("XOR with seed 000's [2,2,2,1] sigmoid network: squared-error cost, full batch, "
              + "η = \(learningRate), \(steps) steps, seed \(seed)")
        print(Output.table([["step", "cost C"]]))
      }
      var history: [[Double]] = []
      let result = try XORExample.train(
        learningRate: learningRate, steps: steps, seed: seed, reportEvery: reportEvery
      ) { step, cost in
        history.append([Double(step), cost])
        if !json { print(Output.table([[String(step).padding(toLength: 6, withPad: " ", startingAt: 0), "\(cost)"]])) }
      }
      if json {
        try Output.json(Report(
          outputs: result.outputs, loss: result.loss, solved: result.outcome == .solved,
          outcome: result.outcome.rawValue, learningRate: learningRate, steps: steps, seed: seed, history: history))
        return
      }
      print("\nOutputs after \(steps) steps:")
      let inputs = ["0 0", "0 1", "1 0", "1 1"], targets = XORExample.targets.scalars
      print(Output.table([["x1 x2", "target", "output ŷ"]]
        + (0..<4).map { [inputs[$0], "\(Int(targets[$0]))", "\(result.outputs[$0])"] }))
      print()
      switch result.outcome {
      case .solved:
        print("XOR solved: every output is on the right side of 0.5 (final cost \(result.loss)).")
      case .plateau:
        print("Not solved: stuck on the plateau seed 000 warns about, all outputs near 0.5 (cost \(result.loss)). "
              + "Hint: run more --steps, raise --learning-rate, or try another --seed.")
      case .unsolved:
        print("Not solved: some outputs are on the wrong side of 0.5 (cost \(result.loss)), a local minimum or "
              + "too few steps. Hint: run more --steps, or try another --seed.")
      }
    }

    struct Report: Encodable {
      var outputs: [Double], loss: Double, solved: Bool, outcome: String
      var learningRate: Double, steps: Int, seed: UInt64
      var history: [[Double]]
      enum CodingKeys: String, CodingKey {
        case outputs, loss, solved, outcome, steps, seed, history
        case learningRate = "learning_rate"
      }
    }
  }
}

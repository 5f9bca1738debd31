import ArgumentParser
import Backprop

/// `backprop explain …`: the seeds' worked examples, every number with the equation it comes from.
struct ExplainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "explain",
    abstract: "Walk through a seed's worked example number by number.",
    subcommands: [Toy.self, SinglePath.self])

  /// `backprop explain toy`: seed 001's 2-2-1 network.
  struct Toy: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "toy", abstract: "Seed 001's 2-2-1 network, w1…w6, number by number.")

    @Option(parsing: .unconditional, help: "w1,w2,w3,w4,w5,w6 (default: the seed's 0.15,0.25,0.2,0.3,0.4,0.45).")
    var weights: String?

    @Option(parsing: .unconditional, help: "x1,x2 (default: 0.05,0.1).")
    var input: String?

    @Option(parsing: .unconditional, help: "y (default: 0.9).")
    var target: Double = WorkedExample.toyDefaults.target

    @Option(help: "f, the activation of both layers: sigmoid (the seed's), tanh, relu, …")
    var activation: String = "sigmoid"

    @Option(name: .customLong("learning-rate"), help: "η of the gradient-descent step shown at the end.")
    var learningRate: Double = 0.5

    @Flag(help: "Print every quantity as JSON under the seed's names.")
    var json = false

    func validate() throws { _ = try example() }

    func run() throws { try Explanation.show(example(), json: json, name: "toy") }

    private func example() throws -> WorkedExample {
      let defaults = WorkedExample.toyDefaults
      return try WorkedExample.toy(
        weights: try weights.map { try Arguments.numbers($0, option: "--weights", count: 6) } ?? defaults.weights,
        input: try input.map { try Arguments.numbers($0, option: "--input", count: 2) } ?? defaults.input,
        target: target, activation: try Arguments.activation(activation, option: "--activation"),
        learningRate: learningRate)
    }
  }

  /// `backprop explain single-path`: seed 000's single-path network.
  struct SinglePath: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "single-path", abstract: "Seed 000's single-path network, θ1, θ2, θ3, number by number.")

    @Option(parsing: .unconditional, help: "θ1,θ2,θ3 (default: the reference case 0.5,-1.2,0.8).")
    var weights: String?

    @Option(parsing: .unconditional, help: "x (default: 1.5).")
    var input: Double = WorkedExample.singlePathDefaults.input

    @Option(parsing: .unconditional, help: "y (default: 0.3).")
    var target: Double = WorkedExample.singlePathDefaults.target

    @Option(name: .customLong("learning-rate"), help: "η of the gradient-descent step (eq. 12) shown at the end.")
    var learningRate: Double = 0.5

    @Flag(help: "Print every quantity as JSON under the seed's names.")
    var json = false

    func validate() throws { _ = try example() }

    func run() throws { try Explanation.show(example(), json: json, name: "single-path") }

    private func example() throws -> WorkedExample {
      try WorkedExample.singlePath(
        theta: try weights.map { try Arguments.numbers($0, option: "--weights", count: 3) }
          ?? WorkedExample.singlePathDefaults.theta,
        input: input, target: target, learningRate: learningRate)
    }
  }
}

/// Renders a worked example as text or JSON.
enum Explanation {
  static func show(_ example: WorkedExample, json: Bool, name: String) throws {
    if json {
      try Output.json(report(example, name: name))
      return
    }
    print(example.title)
    for note in example.notes { print("  · " + note) }
    let sections: [(String, [WorkedExample.Kind])] = [
      ("Given", [.input, .target, .weight]),
      ("Forward pass", [.preactivation, .activation]),
      ("Cost", [.loss]),
      ("Backward pass: the error signal δ = ∂cost/∂z, computed once per layer from the output back",
       [.derivative, .delta]),
      ("Gradients: backprop beside finite differences", [.gradient]),
      ("One gradient-descent step, η = \(example.learningRate)", [.step, .updatedWeight]),
    ]
    for (title, kinds) in sections {
      let quantities = example.quantities.filter { kinds.contains($0.kind) }
      guard !quantities.isEmpty else { continue }
      print("\n" + title)
      if kinds == [.gradient] {
        print(Output.table([["", "", "", "backprop", "finite difference", ""]] + quantities.map { q in
          [q.symbol, "= " + q.formula, "= " + q.substituted, "= \(q.value)",
           q.finiteDifference.map { "\($0)" } ?? "", "(\(q.source))"]
        }))
      } else {
        print(Output.table(quantities.map { q in
          var row = [q.symbol]
          if !q.formula.isEmpty { row.append("= " + q.formula) } else { row.append("") }
          row.append(q.substituted.isEmpty ? "" : "= " + q.substituted)
          row.append("= \(q.value)")
          row.append(q.source.isEmpty ? "" : "(\(q.source))")
          return row
        }))
      }
    }
  }

  /// `{"example", "loss", "gradients": {…}, "finite_differences": {…}, "deltas": {…}, …}`, keyed by the seed's names.
  static func report(_ example: WorkedExample, name: String) -> [String: JSONValue] {
    var object: [String: JSONValue] = [
      "example": .string(name), "loss": .number(example.loss), "learning_rate": .number(example.learningRate),
    ]
    for kind in WorkedExample.Kind.allCases where kind != .loss {
      let values = example.values(kind)
      guard !values.isEmpty else { continue }
      object[kind.rawValue] = .object(Dictionary(uniqueKeysWithValues: values.map { ($0.key, .number($0.value)) }))
    }
    let estimates = example.quantities.compactMap { q in q.finiteDifference.map { (q.key, JSONValue.number($0)) } }
    object["finite_differences"] = .object(Dictionary(uniqueKeysWithValues: estimates))
    return object
  }
}

/// A JSON value whose keys are known only at run time.
enum JSONValue: Encodable {
  case number(Double), string(String), object([String: JSONValue])

  func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .number(let x): try container.encode(x)
    case .string(let s): try container.encode(s)
    case .object(let o): try container.encode(o)
    }
  }
}

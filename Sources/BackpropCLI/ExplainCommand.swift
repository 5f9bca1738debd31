import ArgumentParser
import Backprop

/// `backprop explain …`: the seeds' worked examples, or a small saved model on one sample, every number with the
/// equation it comes from.
struct ExplainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "explain",
    abstract: "Walk through a seed's worked example, or a small saved model, number by number.",
    discussion: "`backprop explain MODEL` is `backprop explain model MODEL`.",
    subcommands: [Model.self, Toy.self, SinglePath.self], defaultSubcommand: Model.self)

  /// `backprop explain MODEL`: a small saved model's forward and backward pass on one sample.
  struct Model: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "model",
      abstract: "A small saved model on one sample: every z, a, δ and ∂C/∂w, with the equations.",
      discussion: """
        Reads the model (its parameters widened exactly to Float64) and one sample of its data, as `backprop \
        evaluate` reads it (default: the model's test set, else its training CSV). Prints the forward pass (z and \
        a per layer), the cost, δ per layer from the output back, and every ∂C/∂w and ∂C/∂b beside its \
        finite-difference estimate, in seed 001's notation (the inputs are layer 1). Only for small models: at \
        most \(maxLayerParameters) parameters in a layer and \(maxParameters) in all; `backprop gradcheck MODEL` \
        checks the gradients of any model.
        """)

    /// The largest model explained: parameters in one layer (W and b) and in all.
    static let maxLayerParameters = 64, maxParameters = 256

    @Argument(help: "A model file written by `backprop train`.")
    var model: String

    @OptionGroup
    var source: ModelDataOptions

    @Option(help: ArgumentHelp("Which sample of the data, from 0 (the first row of a CSV).", valueName: "k"))
    var sample: Int = 0

    @Flag(help: "Print every quantity as JSON, keyed <symbol><unit>_<layer> (w<j>_<k>_<layer> for weights).")
    var json = false

    func validate() throws {
      guard sample >= 0 else { throw ValidationError("--sample \(sample): expected 0 or more") }
    }

    func run() throws {
      // Data that does not fit the options is a usage error of this command (exit 64, with its usage).
      do { try explain() } catch let error as ValidationError { Self.exit(withError: error) }
    }

    private func explain() throws {
      let saved = try SavedModel(path: model, options: source, check: refuseLarge)
      guard sample < saved.data.count else {
        throw ValidationError("--sample \(sample): \(saved.data.source) has \(saved.data.count) samples (0…\(saved.data.count - 1))")
      }
      let (inputs, targets) = try saved.network.batch(
        of: saved.data, samples: [sample], standardization: saved.file.input.standardization)
      var notes: [String] = []
      if !saved.dataNote.isEmpty { notes.append("x and y are the sample as the network sees it\(saved.dataNote).") }
      if let labels = saved.data.labels {
        notes.append("y is the one-hot label of class '\(saved.data.classNames[labels[sample]])'.")
      }
      let example = try WorkedExample.network(
        saved.network, input: inputs.column(0), target: targets.column(0),
        title: "\(model): \(saved.architecture), sample \(sample) of \(saved.data.source), in Float64", notes: notes)
      var extra: [String: JSONValue] = [
        "model": .string(model), "data": .string(saved.data.source), "sample": .number(Double(sample)),
        "sizes": .array(saved.network.sizes.map { .number(Double($0)) }),
        "activation_functions": .array(saved.network.layers.map { .string($0.activation.rawValue) }),
        "cost_function": .string(saved.network.loss.rawValue),
      ]
      if let labels = saved.data.labels { extra["label"] = .string(saved.data.classNames[labels[sample]]) }
      try Explanation.show(example, json: json, name: "model", extra: extra)
    }

    /// Refuses a model too large to print number by number, naming its size and the limits.
    private func refuseLarge(_ network: Network<Float>) throws {
      let perLayer = network.layers.map { $0.weights.scalars.count + $0.biases.count }
      let widest = perLayer.indices.max { perLayer[$0] < perLayer[$1] }!
      guard perLayer[widest] > Self.maxLayerParameters || network.parameterCount > Self.maxParameters else { return }
      throw TooLarge(description: """
        \(model): \(network.sizes.map(String.init).joined(separator: "-")) has \(network.parameterCount) parameters, \
        \(perLayer[widest]) in layer \(widest + 1); explain prints every number only for small models, at most \
        \(Self.maxLayerParameters) parameters in a layer and \(Self.maxParameters) in all. To check the gradients of \
        a large model, run `backprop gradcheck \(model)`.
        """)
    }

    struct TooLarge: Error, CustomStringConvertible { var description: String }
  }

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
  static func show(_ example: WorkedExample, json: Bool, name: String, extra: [String: JSONValue] = [:]) throws {
    if json {
      try Output.json(report(example, name: name).merging(extra) { _, added in added })
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
      ("One gradient-descent step, η = \(example.learningRate ?? 0)", [.step, .updatedWeight]),
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
    var object: [String: JSONValue] = ["example": .string(name), "loss": .number(example.loss)]
    if let eta = example.learningRate { object["learning_rate"] = .number(eta) }
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
  case number(Double), string(String), object([String: JSONValue]), array([JSONValue])

  func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .number(let x): try container.encode(x)
    case .string(let s): try container.encode(s)
    case .object(let o): try container.encode(o)
    case .array(let a): try container.encode(a)
    }
  }
}

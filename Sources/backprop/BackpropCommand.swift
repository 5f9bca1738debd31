import ArgumentParser

/// The `backprop` command: trains, checks and explains feed-forward networks.
@main
struct BackpropCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "backprop",
    abstract: "Train feed-forward neural networks by backpropagation, and see it done number by number.",
    version: "0.1.0",
    subcommands: [
      TrainCommand.self, EvaluateCommand.self, PredictCommand.self, InspectCommand.self, ExampleCommand.self, ExplainCommand.self,
      GradCheckCommand.self,
    ])
}

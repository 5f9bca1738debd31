import ArgumentParser
import Backprop

/// The `backprop` command: trains, checks and explains feed-forward networks.
public struct BackpropCommand: ParsableCommand {
  public init() {}

  static let version = "0.1.0"

  public static let configuration = CommandConfiguration(
    commandName: "backprop",
    abstract: "Train feed-forward neural networks by backpropagation, and see it done number by number.",
    version: version,
    subcommands: [
      TrainCommand.self, EvaluateCommand.self, PredictCommand.self, InspectCommand.self, ExampleCommand.self, ExplainCommand.self,
      GradCheckCommand.self, ExportCommand.self, ReportCommand.self,
    ])

  /// `backprop --version` prints ``versionLine``; everything else goes to the argument parser. The line is made
  /// here rather than in `configuration`, so that other commands do not open OpenBLAS to build a string they never
  /// print.
  public static func main() {
    if Array(CommandLine.arguments.dropFirst()) == ["--version"] {
      print(versionLine)
      return
    }
    main(nil)
  }

  /// The version, then what computes by default: `0.1.0 (native kernels: avx2, 2 threads; OpenBLAS: not found)`.
  /// The threads are `--threads`'s default, every core; Accelerate is listed on Apple platforms.
  static var versionLine: String {
    let threads = ComputeThreads.available
    var parts = ["native kernels: \(ComputeThreads.instructionSet), \(threads) thread\(threads == 1 ? "" : "s")"]
    for backend in [ComputeBackend.openblas, .accelerate] {
      #if !canImport(Darwin)
        if backend == .accelerate { continue }
      #endif
      let name = backend == .openblas ? "OpenBLAS" : "Accelerate", description = backend.description
      if !backend.isAvailable {
        parts.append("\(name): not found")
      } else if description.hasPrefix(name + " ") {
        parts.append("\(name): \(description.dropFirst(name.count + 1))")  // "OpenBLAS: 0.3.21 Haswell"
      } else {
        parts.append("\(name): found")
      }
    }
    return "\(version) (\(parts.joined(separator: "; ")))"
  }
}

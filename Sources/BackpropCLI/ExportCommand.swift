import ArgumentParser
import Backprop
import Foundation

/// `backprop export …`: a saved model in another format.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export", abstract: "Write a saved model in another format.", subcommands: [ONNX.self])

  /// `backprop export onnx`: the model as an ONNX file that onnxruntime runs.
  struct ONNX: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "onnx",
      abstract: "Write a saved model as an ONNX model (opset \(ONNXExport.opsetVersion)) that gives what `backprop predict` gives.",
      discussion: """
        The graph's input `input` is FLOAT [N, features]: the raw features, as `predict` reads them (pixel bytes \
        0-255, or CSV values in the training column order). It applies the model's input scaling and \
        standardization, then every layer (Gemm and the activation), and for regression maps the outputs back to \
        the targets' units. Its output `output` is FLOAT [N, outputs]: class probabilities, label probabilities \
        or target values. The class, feature and target names are in the model's metadata_props.
        """)

    @Argument(help: "The model file (safetensors) written by `backprop train`.")
    var model: String

    @Option(help: "The ONNX file to write (atomically). Default: MODEL with the extension .onnx.")
    var out: String?

    /// `--out`, or the model's path with its extension replaced by `.onnx` (`model.safetensors` → `model.onnx`).
    var destination: String {
      if let out { return out }
      let name = model.lastIndex(of: "/").map { model.index(after: $0) } ?? model.startIndex
      guard let dot = model[name...].lastIndex(of: "."), dot != name else { return model + ".onnx" }
      return String(model[..<dot]) + ".onnx"
    }

    func validate() throws {
      let resolved: (String) -> String = { URL(fileURLWithPath: $0).standardizedFileURL.resolvingSymlinksInPath().path }
      guard resolved(destination) != resolved(model) else {
        throw ValidationError("--out \(destination): that is the model itself; give another path")
      }
      try Files.checkWritable(destination)
    }

    func run() throws {
      let file = try ModelFile<Float>.read(from: model)
      let export = try ONNXExport(file, producerVersion: BackpropCommand.version)
      try export.write(to: destination)
      let network = file.network
      print("Wrote \(destination): ONNX opset \(ONNXExport.opsetVersion), "
            + "\(network.sizes.map(String.init).joined(separator: "-")) "
            + "(\(network.layers.map(\.activation.rawValue).joined(separator: " → "))), "
            + "input [N, \(export.inputWidth)] → output [N, \(export.outputWidth)]")
    }
  }
}

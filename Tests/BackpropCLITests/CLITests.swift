import BackpropTestSupport
import Foundation
import Testing

/// Runs the built `backprop` executable and checks what a user sees: output, JSON keys, exit status.
@Suite("backprop command line")
struct CLITests {
  @Test("example xor --json: learned, four outputs")
  func xor() throws {
    let run = try BackpropTool.run(["example", "xor", "--json"])
    #expect(run.status == 0)
    let json = try run.json()
    #expect(json["solved"] as? Bool == true)
    #expect(json["outcome"] as? String == "solved")
    let outputs = try #require(json["outputs"] as? [Double])
    #expect(outputs.count == 4 && outputs[0] < 0.5 && outputs[1] > 0.5 && outputs[2] > 0.5 && outputs[3] < 0.5)
    #expect((json["loss"] as? Double).map { $0 < 1e-3 } == true)
  }

  @Test("example xor on the plateau says so and hints")
  func xorPlateau() throws {
    let run = try BackpropTool.run(["example", "xor", "--learning-rate", "0.1", "--steps", "1000"])
    #expect(run.status == 0)
    #expect(run.stdout.contains("plateau"))
    #expect(run.stdout.contains("Hint"))
  }

  @Test("explain toy --json: gradients w1…w6 equal the reference under the seed's names")
  func explainToy() throws {
    let json = try BackpropTool.run(["explain", "toy", "--json"]).json()
    let gradients = try #require(json["gradients"] as? [String: Double])
    let reference = ReferenceVectors.case("2").seed_quantities!.compactMapValues(\.number)
    for i in 1...6 {
      let got = try #require(gradients["w\(i)"])
      #expect(Tolerance.double.accepts(got, reference["dE_dw\(i)"]!), "w\(i): \(got)")
    }
    #expect(Tolerance.double.accepts(try #require(json["loss"] as? Double), reference["E"]!))
    #expect((json["deltas"] as? [String: Double])?["delta1_3"] != nil)
    #expect((json["finite_differences"] as? [String: Double])?.count == 6)
  }

  @Test("explain single-path with the learner's own numbers: θ gradients by the seed's formulas")
  func explainSinglePathCustom() throws {
    let json = try BackpropTool.run([
      "explain", "single-path", "--weights", "-0.3,0.7,1.1", "--input", "-2", "--target", "0.5", "--json",
    ]).json()
    let g = try #require(json["gradients"] as? [String: Double])
    // Seed 000's scalar equations (6)–(11), evaluated here independently.
    let s = { (z: Double) in 1 / (1 + Foundation.exp(-z)) }
    let a2 = s(-0.3 * -2), a3 = s(0.7 * a2), yHat = 1.1 * a3
    let d4 = yHat - 0.5, d3 = d4 * 1.1 * a3 * (1 - a3), d2 = d3 * 0.7 * a2 * (1 - a2)
    let tolerance = Tolerance(atol: 1e-15, rtol: 1e-12)
    #expect(tolerance.accepts(g["theta3"]!, d4 * a3))
    #expect(tolerance.accepts(g["theta2"]!, d3 * a2))
    #expect(tolerance.accepts(g["theta1"]!, d2 * -2))
    #expect(tolerance.accepts(json["loss"] as! Double, 0.5 * d4 * d4))
  }

  @Test("explain single-path prints the seed's equations beside the numbers")
  func explainSinglePathText() throws {
    let run = try BackpropTool.run(["explain", "single-path"])
    #expect(run.status == 0)
    for text in ["δ⁽³⁾", "eq. 15", "0.003639735189814826", "finite difference"] {
      #expect(run.stdout.contains(text), "missing \(text)")
    }
  }

  @Test("gradcheck from the issue passes with a table, and --json has the stable keys")
  func gradcheck() throws {
    let arguments = ["gradcheck", "--layers", "4,5,4,3", "--activations", "tanh,relu,softmax", "--loss", "cross-entropy"]
    let text = try BackpropTool.run(arguments)
    #expect(text.status == 0)
    #expect(text.stdout.contains("PASS"))
    #expect(text.stdout.contains("W3"))
    let json = try BackpropTool.run(arguments + ["--json"]).json()
    #expect(json["passed"] as? Bool == true)
    #expect((json["max_relative_error"] as? Double).map { $0 < 1e-7 } == true)
  }

  @Test("gradcheck exits 1 when the error is above the tolerance")
  func gradcheckFails() throws {
    let run = try BackpropTool.run(["gradcheck", "--tolerance", "1e-30"])
    #expect(run.status == 1)
    #expect(run.stdout.contains("FAIL"))
  }

  @Test("bad flags get a message naming the problem and a non-zero exit, never a crash",
        arguments: [
          (["gradcheck", "--layers", "4"], "at least two sizes"),
          (["gradcheck", "--layers", "4,x,3"], "'x'"),
          (["gradcheck", "--activations", "tanh,swish"], "unknown activation 'swish'"),
          (["gradcheck", "--layers", "4,5,3", "--activations", "tanh,relu,softmax"], "need 2 activations"),
          (["gradcheck", "--loss", "hinge"], "unknown loss 'hinge'"),
          (["gradcheck", "--batch-size", "0"], "--batch-size"),
          (["explain", "toy", "--weights", "1,2,3"], "expected 6"),
          (["explain", "toy", "--input", "0.1,nan"], "finite number"),
          (["explain", "single-path", "--weights", "1,2,abc"], "'abc'"),
          (["example", "xor", "--learning-rate", "-1"], "--learning-rate"),
          (["example", "xor", "--steps", "many"], "many"),
          (["example", "sudoku"], "sudoku"),
        ])
  func badFlags(arguments: [String], message: String) throws {
    let run = try BackpropTool.run(arguments)
    #expect(run.status != 0)
    #expect(run.status < 128, "killed by a signal: \(run.status)")
    #expect(run.stderr.contains(message), "stderr: \(run.stderr)")
  }
}

/// The built `backprop` executable, found beside the test bundle.
enum BackpropTool {
  struct Run {
    var status: Int32, stdout: String, stderr: String
    func json() throws -> [String: Any] {
      try #require(JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any], "not JSON: \(stdout)")
    }
  }

  static var executable: URL {
    var directory = Bundle.main.bundleURL
    for _ in 0..<3 {
      let candidate = directory.appendingPathComponent("backprop")
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
      directory.deleteLastPathComponent()
    }
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("backprop")
  }

  /// Runs `backprop ARGUMENTS`; with `addressSpaceMegabytes`, under `ulimit -v` (for tests that must fail rather
  /// than swap when a reader allocates in proportion to hostile input). Output goes through files, not pipes: a
  /// child that writes more than a pipe holds to stderr while stdout is being read would wait forever.
  static func run(_ arguments: [String], addressSpaceMegabytes: Int? = nil) throws -> Run {
    let output = NSTemporaryDirectory() + "backprop-run-\(UUID().uuidString)"
    defer { for name in [".out", ".err"] { try? FileManager.default.removeItem(atPath: output + name) } }
    let process = Process()
    if let megabytes = addressSpaceMegabytes {
      let command = ([executable.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
      process.executableURL = URL(fileURLWithPath: "/bin/sh")
      process.arguments = ["-c", "ulimit -v \(megabytes * 1024) && exec \(command)"]
    } else {
      process.executableURL = executable
      process.arguments = arguments
    }
    for name in [".out", ".err"] { try #require(FileManager.default.createFile(atPath: output + name, contents: nil)) }
    process.standardOutput = FileHandle(forWritingAtPath: output + ".out")
    process.standardError = FileHandle(forWritingAtPath: output + ".err")
    try process.run()
    process.waitUntilExit()
    func text(_ name: String) -> String { (try? String(contentsOfFile: output + name, encoding: .utf8)) ?? "" }
    return Run(status: process.terminationStatus, stdout: text(".out"), stderr: text(".err"))
  }

}

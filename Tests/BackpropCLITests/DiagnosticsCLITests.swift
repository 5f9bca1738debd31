import Backprop
import Foundation
import Testing

/// `backprop gradcheck MODEL` and `backprop explain MODEL` on models trained or written here, run as a user runs them.
@Suite("backprop gradcheck MODEL, explain MODEL")
struct DiagnosticsCLITests {
  typealias Scratch = TrainCLITests.Scratch

  /// A regression table y ≈ 2u − v + 3 in two features, for a 2-2-1 model.
  static func regressionCSV(rows: Int, seed: UInt64) -> String {
    var g = SeededGenerator(seed: seed)
    var lines = ["u,v,y"]
    for _ in 0..<rows {
      let u = g.nextUniform(in: -1, 1), v = g.nextUniform(in: -1, 1)
      lines.append("\(u),\(v),\(2 * u - v + 3 + 0.1 * g.nextUniform(in: -1, 1))")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// A scratch folder with the 3-class problem of `TrainCLITests` (4 features) and a model trained on it with
  /// `hidden` units and the test set recorded, m.safetensors.
  static func classifier(hidden: String) throws -> Scratch {
    let scratch = try Scratch(), model = scratch.file("m.safetensors")
    let run = try BackpropTool.run([
      "train", "--data", scratch.file("train.csv"), "--test", scratch.file("test.csv"), "--hidden", hidden,
      "--epochs", "3", "--out", model, "--quiet",
    ] + TrainCLITests.trainArguments.filter { $0 != "--hidden" && $0 != "8" })
    #expect(run.status == 0, "\(run.stderr)")
    return scratch
  }

  @Test("gradcheck MODEL --json on a trained CSV model: passes far below 1e-6, on the recorded test set")
  func gradcheckModel() throws {
    let scratch = try Self.classifier(hidden: "5")
    let run = try BackpropTool.run(["gradcheck", scratch.file("m.safetensors"), "--json"])
    #expect(run.status == 0, "\(run.stderr)")
    let json = try run.json()
    #expect(json["passed"] as? Bool == true)
    let maxError = try #require(json["max_relative_error"] as? Double)
    #expect(maxError < 1e-6)
    #expect(json["layers"] as? [Int] == [4, 5, 3])
    #expect(json["samples"] as? Int == 16)
    #expect((json["data"] as? String)?.hasSuffix("test.csv") == true)
    #expect(json["kink_crossings"] as? Int == 0)
    #expect(json["seed"] == nil && json["batch_size"] == nil)
    let tensors = try #require(json["tensors"] as? [[String: Any]])
    #expect(tensors.map { $0["name"] as? String } == ["W1", "b1", "W2", "b2"])
    #expect(tensors.allSatisfy { ($0["relative_error"] as? Double ?? 1) <= maxError })

    // --data and --samples: more samples than the file has means all of them; the text says what was checked.
    let text = try BackpropTool.run(["gradcheck", scratch.file("m.safetensors"), "--data", scratch.file("train.csv"),
                                     "--samples", "1000", "--l2", "0.01"])
    #expect(text.status == 0, "\(text.stderr)")
    #expect(text.stdout.contains("the first 150 samples of"), "\(text.stdout)")
    #expect(text.stdout.contains("+ (λ/2)·Σ‖W‖² with λ = 0.01"))
    #expect(text.stdout.contains("PASS"))
  }

  @Test("gradcheck MODEL fails (exit 1) with the report when the tolerance cannot be met")
  func gradcheckModelFails() throws {
    let scratch = try Self.classifier(hidden: "3")
    let run = try BackpropTool.run(["gradcheck", scratch.file("m.safetensors"), "--tolerance", "1e-30"])
    #expect(run.status == 1)
    #expect(run.stdout.contains("FAIL"))
  }

  @Test("gradcheck: MODEL with --layers (or another random-network option) is a usage error, and so is --samples without MODEL",
        arguments: [
          (["--layers", "4,5,3"], "--layers"), (["--seed", "3"], "--seed"), (["--batch-size", "2"], "--batch-size"),
        ])
  func gradcheckConflicts(options: [String], option: String) throws {
    let scratch = try Self.classifier(hidden: "3")
    let run = try BackpropTool.run(["gradcheck", scratch.file("m.safetensors")] + options)
    #expect(run.status == 64)
    #expect(run.stderr.contains(option) && run.stderr.contains("not both"), "\(run.stderr)")
    let alone = try BackpropTool.run(["gradcheck", "--samples", "4"])
    #expect(alone.status == 64)
    #expect(alone.stderr.contains("only with a MODEL"), "\(alone.stderr)")
  }

  @Test("explain MODEL on a 2-2-1 regression model: z, a, δ and ∂C/∂w lines, and --json equal to Network.gradients")
  func explainSmallModel() throws {
    let scratch = try Scratch()
    try Self.regressionCSV(rows: 80, seed: 5).write(toFile: scratch.file("r.csv"), atomically: true, encoding: .utf8)
    let train = try BackpropTool.run(["train", "--data", scratch.file("r.csv"), "--target", "y", "--hidden", "2",
                                      "--activation", "tanh", "--epochs", "5", "--out", scratch.file("r.safetensors"),
                                      "--quiet"])
    #expect(train.status == 0, "\(train.stderr)")

    let text = try BackpropTool.run(["explain", scratch.file("r.safetensors")])
    #expect(text.status == 0, "\(text.stderr)")
    for line in ["z₁⁽²⁾", "a₂⁽²⁾", "ŷ₁ = a₁⁽³⁾", "δ₁⁽³⁾", "δ₂⁽²⁾", "∂C/∂w₁₂⁽²⁾", "= δ₁⁽²⁾·a₂⁽¹⁾", "∂C/∂b₁⁽³⁾",
                 "Forward pass", "finite difference", "= 1 − a₁⁽²⁾²"] {
      #expect(text.stdout.contains(line), "no '\(line)' in\n\(text.stdout)")
    }

    let json = try BackpropTool.run(["explain", scratch.file("r.safetensors"), "--sample", "3", "--json"]).json()
    #expect(json["example"] as? String == "model" && json["sample"] as? Int == 3)
    #expect(json["sizes"] as? [Int] == [2, 2, 1])
    // The independent computation: the sample from the CSV, standardized with the model's own μ and s, through the
    // library's backpropagation in Float64.
    let file = try ModelFile<Float>.read(from: scratch.file("r.safetensors"))
    let standardization = try #require(file.input.standardization)
    let row = try String(contentsOfFile: scratch.file("r.csv"), encoding: .utf8).split(separator: "\n")[4]
      .split(separator: ",").map { Double(Float(String($0))!) }
    let x = (0..<2).map { (row[$0] - Double(standardization.mean[$0])) / Double(standardization.scale[$0]) }
    let y = (row[2] - Double(standardization.targetMean![0])) / Double(standardization.targetScale![0])
    let network = try Network<Double>(converting: file.network)
    let trace = try network.trace(inputs: Matrix(column: x), targets: Matrix(column: [y]))
    // Equal up to the last bit or two: Foundation's JSON reader does not always round to the nearest Double.
    func same(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) <= 1e-15 * max(abs(b), 1e-300) } ?? false }
    let inputs = try #require(json["inputs"] as? [String: Double])
    #expect(same(inputs["x1"], x[0]) && same(inputs["x2"], x[1]))
    #expect(same((json["targets"] as? [String: Double])?["y1"], y))
    #expect(same(json["loss"] as? Double, trace.cost))
    let gradients = try #require(json["gradients"] as? [String: Double])
    let estimates = try #require(json["finite_differences"] as? [String: Double])
    #expect(gradients.count == 9 && estimates.count == 9)
    for l in 0..<2 {
      for j in 0..<network.sizes[l + 1] {
        #expect(same(gradients["b\(j + 1)_\(l + 2)"], trace.gradients.biases[l][j]))
        #expect(same((json["deltas"] as? [String: Double])?["delta\(j + 1)_\(l + 2)"], trace.delta[l][j, 0]))
        #expect(same((json["preactivations"] as? [String: Double])?["z\(j + 1)_\(l + 2)"], trace.z[l][j, 0]))
        for k in 0..<network.sizes[l] {
          let key = "w\(j + 1)_\(k + 1)_\(l + 2)"
          #expect(same(gradients[key], trace.gradients.weights[l][j, k]), "\(key)")
          #expect(abs(estimates[key]! - trace.gradients.weights[l][j, k]) < 1e-8, "\(key)")
        }
      }
    }
  }

  @Test("explain MODEL on seed 001's network saved as a model file gives explain toy's numbers (to Float32 weights)")
  func explainToyModelFile() throws {
    let scratch = try Scratch()
    let w = WorkedExample.toyDefaults.weights.map(Float.init)
    let network = try Network<Float>(
      layers: [
        Dense(weights: Matrix(rows: [[w[0], w[2]], [w[1], w[3]]]), activation: .sigmoid),
        Dense(weights: Matrix(rows: [[w[4], w[5]]]), activation: .sigmoid),
      ], loss: .meanSquaredError)
    var input = InputDescription(features: 2, featureNames: ["x1", "x2"], scaling: .none)
    input.task = .regression
    input.targetColumns = ["y"]
    try ModelFile(network: network, classNames: [], input: input).write(to: scratch.file("toy.safetensors"))
    try "x1,x2,y\n0.05,0.1,0.9\n".write(toFile: scratch.file("toy.csv"), atomically: true, encoding: .utf8)

    let run = try BackpropTool.run(["explain", scratch.file("toy.safetensors"), "--data", scratch.file("toy.csv"), "--json"])
    #expect(run.status == 0, "\(run.stderr)")
    let ours = try run.json(), toy = try BackpropTool.run(["explain", "toy", "--json"]).json()
    func close(_ a: Double?, _ b: Double?) -> Bool { a.map { a in b.map { abs(a - $0) <= 1e-6 * abs($0) } ?? false } ?? false }
    for group in ["preactivations", "activations", "deltas", "derivatives"] {
      let a = try #require(ours[group] as? [String: Double]), b = try #require(toy[group] as? [String: Double])
      #expect(Set(a.keys) == Set(b.keys), "\(group)")
      for (key, value) in b { #expect(close(a[key], value), "\(group).\(key): \(a[key] ?? .nan) vs \(value)") }
    }
    #expect(close(ours["loss"] as? Double, toy["loss"] as? Double))
    let seedNames = ["w1": "w1_1_2", "w2": "w2_1_2", "w3": "w1_2_2", "w4": "w2_2_2", "w5": "w1_1_3", "w6": "w1_2_3"]
    let a = try #require(ours["gradients"] as? [String: Double]), b = try #require(toy["gradients"] as? [String: Double])
    for (seedKey, key) in seedNames { #expect(close(a[key], b[seedKey]), "∂E/∂\(seedKey) = ∂C/∂\(key)") }
  }

  @Test("explain refuses a model too large to print, naming its size and the limits, and points to gradcheck",
        arguments: [("64", "515 parameters, 320 in layer 1"), ("7,7,7,7,7", "283 parameters, 56 in layer 2")])
  func explainRefusesLargeModels(hidden: String, size: String) throws {
    let scratch = try Self.classifier(hidden: hidden)
    let run = try BackpropTool.run(["explain", scratch.file("m.safetensors")])
    #expect(run.status == 1)
    #expect(run.stderr.contains(size), "\(run.stderr)")
    #expect(run.stderr.contains("at most 64 parameters in a layer and 256 in all"))
    #expect(run.stderr.contains("backprop gradcheck"))
    #expect(run.stdout.isEmpty)
  }

  @Test("explain MODEL --sample past the end is a usage error naming the count")
  func explainSampleOutOfRange() throws {
    let scratch = try Self.classifier(hidden: "2")
    let run = try BackpropTool.run(["explain", scratch.file("m.safetensors"), "--sample", "60"])
    #expect(run.status == 64)
    #expect(run.stderr.contains("has 60 samples"), "\(run.stderr)")
  }
}

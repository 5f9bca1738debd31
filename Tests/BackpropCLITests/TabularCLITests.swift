import Backprop
import Foundation
import Testing

/// `backprop train --data FILE.csv --target COLUMN` with nothing else: the task inferred and said, the tabular
/// defaults, then `evaluate --json` and `predict` on the model, as the issue's interface promises.
@Suite("backprop train --target (tabular data)")
struct TabularCLITests {
  /// y = 3a − 2b + 1000 with a little noise, a constant column, and a missing cell on line 5.
  static func regressionCSV(rows: Int, seed: UInt64, missing: Bool) -> String {
    var g = SeededGenerator(seed: seed)
    var lines = ["a,b,same,y"]
    for i in 0..<rows {
      let a = g.nextUniform(in: -2, 2), b = g.nextUniform(in: -2, 2)
      let y = 3 * a - 2 * b + 1000 + g.nextUniform(in: -0.05, 0.05)
      lines.append("\(a),\(missing && i == 3 ? "" : "\(b)"),7,\(y)")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  @Test("regression from --data and --target alone: inferred, stated, early-stopped; evaluate reports mae/rmse/r2; predict keeps row order")
  func regression() throws {
    let scratch = try TrainCLITests.Scratch()
    try Self.regressionCSV(rows: 300, seed: 1, missing: true).write(toFile: scratch.file("r.csv"), atomically: true, encoding: .utf8)
    try Self.regressionCSV(rows: 50, seed: 2, missing: false).write(toFile: scratch.file("rt.csv"), atomically: true, encoding: .utf8)

    let refused = try BackpropTool.run(["train", "--data", scratch.file("r.csv"), "--target", "y", "--out", scratch.file("r.safetensors")])
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("line 5, column 2: expected a finite number in feature 'b'"))

    let train = try BackpropTool.run(["train", "--data", scratch.file("r.csv"), "--target", "y", "--missing", "mean",
                                      "--out", scratch.file("r.safetensors")])
    #expect(train.status == 0, "\(train.stderr)")
    #expect(train.stdout.contains("Task: regression, as 'y' holds numbers with"))
    #expect(train.stdout.contains("Adam η = 0.01 "))
    #expect(train.stdout.contains("early stopping: patience 20"))
    #expect(train.stdout.contains("standardized inputs and targets"))
    #expect(train.stdout.contains("filled 1 missing cell with the column means"))
    #expect(train.stdout.contains("constant in the training data, so it contributes nothing (standardized to 0): 'same'"))

    let evaluation = try BackpropTool.run(["evaluate", scratch.file("r.safetensors"), "--data", scratch.file("rt.csv"), "--json"]).json()
    #expect(evaluation["task"] as? String == "regression")
    let rmse = try #require(evaluation["rmse"] as? Double), mae = try #require(evaluation["mae"] as? Double)
    let r2 = try #require(evaluation["r2"] as? Double)
    #expect(mae <= rmse && rmse < 0.5 && r2 > 0.97, "mae \(mae) rmse \(rmse) r2 \(r2)")

    let predict = try BackpropTool.run(["predict", scratch.file("r.safetensors"), "--input", scratch.file("rt.csv")])
    #expect(predict.status == 0, "\(predict.stderr)")
    let rows = predict.stdout.split(separator: "\n")
    #expect(rows.first == "y" && rows.count == 51)
    // Row order: each prediction is near its own row's target (the target column itself is ignored).
    let truth = try String(contentsOfFile: scratch.file("rt.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
      .map { Double($0.split(separator: ",")[3])! }
    let predicted = rows.dropFirst().map { Double($0)! }
    let squared = zip(truth, predicted).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 50
    #expect(abs(squared.squareRoot() - rmse) < 1e-3 * max(rmse, 1e-3) + 1e-4)
  }

  @Test("several 0/1 targets train a multi-label model; predict writes each label and its probability")
  func multiLabel() throws {
    let scratch = try TrainCLITests.Scratch()
    var g = SeededGenerator(seed: 9)
    var lines = ["a,b,left,up"]
    for _ in 0..<200 {
      let a = g.nextUniform(in: -1, 1), b = g.nextUniform(in: -1, 1)
      lines.append("\(a),\(b),\(a < 0 ? 1 : 0),\(b > 0 ? 1 : 0)")
    }
    try (lines.joined(separator: "\n") + "\n").write(toFile: scratch.file("m.csv"), atomically: true, encoding: .utf8)
    let train = try BackpropTool.run(["train", "--data", scratch.file("m.csv"), "--target", "left", "--target", "up",
                                      "--out", scratch.file("m.safetensors"), "--quiet"])
    #expect(train.status == 0, "\(train.stderr)")
    let evaluation = try BackpropTool.run(["evaluate", scratch.file("m.safetensors"), "--data", scratch.file("m.csv"), "--json"]).json()
    #expect(evaluation["task"] as? String == "multi-label")
    #expect((evaluation["accuracy"] as? Double ?? 0) > 0.9)
    #expect(evaluation["labels"] as? [String] == ["left", "up"])
    let predict = try BackpropTool.run(["predict", scratch.file("m.safetensors"), "--input", scratch.file("m.csv")])
    #expect(predict.stdout.split(separator: "\n").first == "left,up,p_left,p_up")
  }

  @Test("bad tabular flags exit 64 with the flag named")
  func badFlags() throws {
    let scratch = try TrainCLITests.Scratch()
    let task = try BackpropTool.run(["train", "--data", scratch.file("train.csv"), "--target", "species", "--task", "ranking"])
    #expect(task.status == 64 && task.stderr.contains("--task ranking: expected classification, regression or multi-label"))
    let missing = try BackpropTool.run(["train", "--data", scratch.file("train.csv"), "--target", "species", "--missing", "guess"])
    #expect(missing.status == 64 && missing.stderr.contains("--missing guess: expected error, drop or mean"))
    let absent = try BackpropTool.run(["train", "--data", scratch.file("train.csv"), "--target", "colour"])
    #expect(absent.status == 1 && absent.stderr.contains("expected a column named 'colour'"))
  }
}

/// The training knobs on the command line: initializer, L2, dropout, class and sample weights, schedule; a run
/// with all of them is reproducible (same seed, same bits, 1 or 2 threads) and resumes bit for bit.
@Suite("backprop train: initializers, regularization, weights, schedules")
struct TrainingKnobsCLITests {
  static func weightedCSV() -> String {
    var g = SeededGenerator(seed: 4)
    var lines = ["a,b,w,kind"]
    for _ in 0..<160 {
      let a = g.nextUniform(in: -1, 1), b = g.nextUniform(in: -1, 1)
      lines.append("\(a),\(b),\([0.5, 1, 2][g.nextInt(below: 3)]),\(a + b > 0.3 ? "p" : "n")")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  static let knobs = ["--target", "kind", "--sample-weight", "w", "--dropout", "0.2", "--l2", "0.0001",
                      "--initializer", "he-normal,glorot-uniform", "--class-weight", "balanced", "--schedule", "cosine:2",
                      "--epochs", "12", "--quiet"]

  @Test("every knob is stated, the weight column leaves the features, and the same seed gives the same bits with 1 or 2 threads")
  func reproducible() throws {
    let scratch = try TrainCLITests.Scratch()
    try Self.weightedCSV().write(toFile: scratch.file("w.csv"), atomically: true, encoding: .utf8)
    let shown = try BackpropTool.run(["train", "--data", scratch.file("w.csv"), "--out", scratch.file("shown.safetensors")]
      + Self.knobs.dropLast())
    #expect(shown.status == 0, "\(shown.stderr)")
    #expect(shown.stdout.contains("Training 2-"))  // a, b: the weight column is not a feature
    #expect(shown.stdout.contains("initializers he-normal, glorot-uniform; L2 λ = 0.0001; dropout p = 0.2; class weights balanced; sample weights from column 'w'"))
    #expect(shown.stdout.contains("η schedule cosine:2:0.0"))
    var weights: [[Float]] = []
    for threads in ["1", "2", "2"] {
      let out = scratch.file("t\(weights.count).safetensors")
      let run = try BackpropTool.run(["train", "--data", scratch.file("w.csv"), "--out", out, "--threads", threads] + Self.knobs)
      #expect(run.status == 0, "\(run.stderr)")
      weights.append(try #require(Safetensors.read(from: out).tensors["layers.0.weight"]?.floats))
    }
    #expect(weights[0].map(\.bitPattern) == weights[1].map(\.bitPattern))
    #expect(weights[1].map(\.bitPattern) == weights[2].map(\.bitPattern))
    let predict = try BackpropTool.run(["predict", scratch.file("t0.safetensors"), "--input", scratch.file("w.csv")])
    #expect(predict.status == 0, "\(predict.stderr)")
    #expect(predict.stdout.split(separator: "\n").count == 161)
  }

  @Test("bad knobs are named: an unknown class to weigh, a dropout of 1, an unknown initializer")
  func badKnobs() throws {
    let scratch = try TrainCLITests.Scratch()
    try Self.weightedCSV().write(toFile: scratch.file("w.csv"), atomically: true, encoding: .utf8)
    let cases: [([String], String)] = [
      (["--class-weight", "q=2"], "--class-weight: no class 'q'"),
      (["--dropout", "1"], "--dropout"),
      (["--initializer", "zeros"], "--initializer"),
      (["--sample-weight", "nope"], "'nope'"),
    ]
    for (arguments, message) in cases {
      let run = try BackpropTool.run(["train", "--data", scratch.file("w.csv"), "--target", "kind", "--epochs", "1", "--quiet",
                                      "--out", scratch.file("bad.safetensors")] + arguments)
      #expect(run.status != 0 && run.stderr.contains(message), "\(arguments): \(run.stderr)")
    }
  }
}

@Suite("backprop train --optimizer lbfgs")
struct LBFGSCLITests {
  @Test("lbfgs trains a table in a few epochs, and refuses the options it has no use for")
  func lbfgs() throws {
    let scratch = try TrainCLITests.Scratch()
    let run = try BackpropTool.run(["train", "--data", scratch.file("train.csv"), "--target", "species", "--optimizer", "lbfgs",
                                    "--epochs", "3", "--out", scratch.file("l.safetensors")])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("L-BFGS (history 10, strong-Wolfe line search), full batch"))
    let evaluation = try BackpropTool.run(["evaluate", scratch.file("l.safetensors"), "--data", scratch.file("test.csv"), "--json"]).json()
    #expect((evaluation["accuracy"] as? Double ?? 0) > 0.9)
    let refused = try BackpropTool.run(["train", "--data", scratch.file("train.csv"), "--target", "species", "--optimizer", "lbfgs",
                                        "--learning-rate", "0.1"])
    #expect(refused.status == 64 && refused.stderr.contains("--learning-rate: not with --optimizer lbfgs"))
  }
}

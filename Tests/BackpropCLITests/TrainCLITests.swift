import Backprop
import Foundation
import Testing

/// `backprop train`, `evaluate`, `predict` and `inspect` on small CSV data sets made here, run as a user runs them.
@Suite("backprop train, evaluate, predict")
struct TrainCLITests {
  /// A scratch folder with a 3-class CSV problem: train.csv (150 rows) and test.csv (60 rows), string labels.
  final class Scratch {
    let path: String
    init() throws {
      path = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-cli-\(UUID().uuidString)").path
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
      var generator = SeededGenerator(seed: 21)
      try Self.csv(rows: 150, using: &generator).write(toFile: path + "/train.csv", atomically: true, encoding: .utf8)
      try Self.csv(rows: 60, using: &generator).write(toFile: path + "/test.csv", atomically: true, encoding: .utf8)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Three well-separated blobs in 4 features; the label column sits in the middle.
    static func csv(rows: Int, using g: inout SeededGenerator) -> String {
      let names = ["setosa", "versicolor", "virginica"]
      var lines = ["sepal,petal,species,width,height"]
      for _ in 0..<rows {
        let c = g.nextInt(below: 3)
        let f = (0..<4).map { k in Double(k == c ? 3 : 0) + g.nextUniform(in: -1, 1) }
        lines.append("\(f[0]),\(f[1]),\(names[c]),\(f[2]),\(f[3])")
      }
      return lines.joined(separator: "\n") + "\n"
    }

    func file(_ name: String) -> String { path + "/" + name }
  }

  static let trainArguments = ["--label-column", "species", "--hidden", "8", "--optimizer", "adam", "--learning-rate", "0.05", "--batch-size", "16",
                               "--standardize", "--seed", "4"]

  @Test("train on CSV with string labels, then evaluate --json and predict in input order")
  func trainEvaluatePredict() throws {
    let scratch = try Scratch()
    let train = try BackpropTool.run(["train", "--data", scratch.file("train.csv"), "--test", scratch.file("test.csv"),
                                  "--epochs", "15", "--out", scratch.file("m.safetensors"),
                                  "--history", scratch.file("h.jsonl")] + Self.trainArguments)
    #expect(train.status == 0, "\(train.stderr)")
    #expect(train.stdout.contains("epoch 15/15"))
    #expect(train.stdout.contains("Confusion matrix"))
    #expect(train.stdout.contains("versicolor"))

    let history = try String(contentsOfFile: scratch.file("h.jsonl"), encoding: .utf8).split(separator: "\n")
    #expect(history.count == 16)
    let first = try #require(JSONSerialization.jsonObject(with: Data(history[0].utf8)) as? [String: Any])
    #expect(first["epoch"] as? Int == 1 && first["train_loss"] is Double && first["seconds"] is Double)
    let last = try #require(JSONSerialization.jsonObject(with: Data(history[15].utf8)) as? [String: Any])
    let testAccuracy = try #require(last["test_accuracy"] as? Double)
    #expect(testAccuracy > 0.9)

    let evaluation = try BackpropTool.run(["evaluate", scratch.file("m.safetensors"), "--data", scratch.file("test.csv"), "--json"]).json()
    #expect(evaluation["accuracy"] as? Double == testAccuracy)
    let confusion = try #require(evaluation["confusion_matrix"] as? [[Int]])
    #expect(confusion.count == 3 && confusion.flatMap { $0 }.reduce(0, +) == 60)
    #expect(evaluation["classes"] as? [String] == ["setosa", "versicolor", "virginica"])

    let predict = try BackpropTool.run(["predict", scratch.file("m.safetensors"), "--input", scratch.file("test.csv"),
                                    "--output", scratch.file("p.csv")])
    #expect(predict.status == 0, "\(predict.stderr)")
    let rows = try String(contentsOfFile: scratch.file("p.csv"), encoding: .utf8).split(separator: "\n")
    #expect(rows.first == "label,probability,p_setosa,p_versicolor,p_virginica")
    #expect(rows.count == 61)
    // In input order: the predicted labels agree with the true ones as often as evaluate says.
    let truth = try String(contentsOfFile: scratch.file("test.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
      .map { $0.split(separator: ",")[2] }
    let predicted = rows.dropFirst().map { $0.split(separator: ",")[0] }
    let agree = zip(truth, predicted).filter { $0 == $1 }.count
    #expect(Double(agree) / 60 == testAccuracy)
  }

  @Test("2 epochs, then --resume to 4 ends on the same bits as 4 epochs straight")
  func resumeFromTheCommandLine() throws {
    let scratch = try Scratch()
    let common = ["train", "--data", scratch.file("train.csv"), "--quiet"] + Self.trainArguments
    #expect(try BackpropTool.run(common + ["--epochs", "4", "--out", scratch.file("straight.safetensors")]).status == 0)
    #expect(try BackpropTool.run(common + ["--epochs", "2", "--out", scratch.file("half.safetensors")]).status == 0)
    let resumed = try BackpropTool.run(["train", "--resume", scratch.file("half.safetensors"), "--data", scratch.file("train.csv"),
                                    "--epochs", "4", "--out", scratch.file("resumed.safetensors")])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stdout.contains("Resuming after epoch 2"))
    let straight = try BackpropTool.run(["inspect", scratch.file("straight.safetensors"), "--json", "--tensors"]).json()
    let again = try BackpropTool.run(["inspect", scratch.file("resumed.safetensors"), "--json", "--tensors"]).json()
    #expect(straight["step"] as? Int == again["step"] as? Int)
    let a = try #require(straight["tensors"] as? [String: [Double]]), b = try #require(again["tensors"] as? [String: [Double]])
    #expect(a.count == 12)   // 2 weights, 2 biases, and Adam's m and v for each
    #expect(a == b)
  }

  @Test("--momentum and --nesterov train SGD with a velocity that the model file keeps")
  func momentumFromTheCommandLine() throws {
    let scratch = try Scratch()
    let run = try BackpropTool.run(["train", "--data", scratch.file("train.csv"), "--label-column", "species",
                                    "--hidden", "8", "--momentum", "0.9", "--nesterov", "--learning-rate", "0.02",
                                    "--epochs", "2", "--out", scratch.file("m.safetensors")])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("SGD η = 0.02, Nesterov momentum μ = 0.9"), "\(run.stdout)")
    let inspect = try BackpropTool.run(["inspect", scratch.file("m.safetensors"), "--json", "--tensors"]).json()
    let tensors = try #require(inspect["tensors"] as? [String: [Double]])
    #expect(tensors.count == 8)   // 2 weights, 2 biases and a velocity for each
    #expect(tensors["optimizer.layers.0.weight.velocity"]?.count == 8 * 4)
  }

  @Test("Ctrl-C stops a run with a message and a whole checkpoint, and --resume finishes it")
  func interruptAndResume() throws {
    let scratch = try Scratch()
    var generator = SeededGenerator(seed: 3)
    try Scratch.csv(rows: 4000, using: &generator).write(toFile: scratch.file("big.csv"), atomically: true, encoding: .utf8)
    let checkpoint = scratch.file("run.safetensors")
    let process = Process()
    process.executableURL = BackpropTool.executable
    process.arguments = ["train", "--data", scratch.file("big.csv"), "--label-column", "species", "--epochs", "400", "--batch-size", "4",
                         "--hidden", "64", "--out", checkpoint, "--history", scratch.file("run.jsonl"), "--quiet"]
    let err = Pipe()
    process.standardError = err
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(60)
    while !FileManager.default.fileExists(atPath: checkpoint), Date() < deadline, process.isRunning {
      Thread.sleep(forTimeInterval: 0.05)
    }
    process.interrupt()
    let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 130)
    #expect(message.contains("--resume \(checkpoint)"), "\(message)")
    let saved = try BackpropTool.run(["inspect", checkpoint, "--json"]).json()
    let epoch = try #require(saved["epoch"] as? Int)
    #expect(epoch >= 1 && epoch < 400)
    #expect(message.contains("--history \(scratch.file("run.jsonl"))"), "\(message)")
    // The checkpoint knows where its data is: --resume alone goes on.
    let finish = try BackpropTool.run(["train", "--resume", checkpoint, "--epochs", "\(epoch + 1)",
                                       "--history", scratch.file("run.jsonl"), "--quiet"])
    #expect(finish.status == 0, "\(finish.stderr)")
    #expect(try BackpropTool.run(["inspect", checkpoint, "--json"]).json()["epoch"] as? Int == epoch + 1)
    let epochs = try String(contentsOfFile: scratch.file("run.jsonl"), encoding: .utf8).split(separator: "\n").map {
      (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["epoch"] as? Int
    }
    #expect(epochs == (1...(epoch + 1)).map { $0 }, "the history reads as if never interrupted")
    let tooFew = try BackpropTool.run(["train", "--resume", checkpoint, "--epochs", "1"])
    #expect(tooFew.status == 64 && tooFew.stderr.contains("already completed"), "\(tooFew.stderr)")
  }

  @Test("bad input gets one clear line naming the value, a non-zero exit, and nothing written",
        arguments: [
          (["--optimizer", "lamb"], "unknown optimizer 'lamb'"),
          (["--optimizer", "rmsprop", "--weight-decay", "0.1"], "--weight-decay: only for --optimizer adamw, not rmsprop"),
          (["--layers", "5,8,3"], "4 features per sample, not 5"),
          (["--layers", "4,8,2"], "3 classes, not 2 outputs"),
          (["--activation", "relu,relu,relu"], "need one activation"),
          (["--out", "/nonexistent-folder/m.safetensors"], "does not exist"),
          (["--validation-split", "1.5"], "--validation-split"),
          (["--label-column", "colour"], "colour"),
          (["--resume", "/tmp/x.safetensors", "--optimizer", "adam"], "a resumed run keeps the configuration"),
          (["--momentum", "1"], "--momentum 1.0: expected a number in [0, 1)"),
          (["--optimizer", "adam", "--momentum", "0.9"], "--momentum: only for --optimizer sgd"),
          (["--nesterov"], "--nesterov: needs a --momentum greater than 0"),
          (["--resume", "/tmp/x.safetensors", "--momentum", "0.5"], "a resumed run keeps the configuration"),
        ])
  func badTrainInput(arguments: [String], message: String) throws {
    let scratch = try Scratch()
    let run = try BackpropTool.run(["train", "--data", scratch.file("train.csv"), "--epochs", "1",
                                "--out", scratch.file("never.safetensors")]
                               + (arguments.contains("--label-column") ? [] : ["--label-column", "species"]) + arguments)
    #expect(run.status != 0 && run.status < 128)
    #expect(run.stderr.contains(message), "\(run.stderr)")
    #expect(!FileManager.default.fileExists(atPath: scratch.file("never.safetensors")))
  }

  @Test("bad data files are named with the line, column or byte and what was expected")
  func badDataFiles() throws {
    let scratch = try Scratch()
    let cases: [(String, String, String)] = [
      ("nan.csv", "a,b,label\n1,2,x\n3,nan,y\n", "nan.csv, line 3, column 2: expected a finite number"),
      ("empty.csv", "", "empty.csv"),
    ]
    for (name, content, message) in cases {
      try content.write(toFile: scratch.file(name), atomically: true, encoding: .utf8)
      let run = try BackpropTool.run(["train", "--data", scratch.file(name), "--out", scratch.file("x.safetensors")])
      #expect(run.status == 1)
      #expect(run.stderr.contains(message), "\(run.stderr)")
    }
    let folder = scratch.file("no-idx")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let missing = try BackpropTool.run(["train", "--data", folder, "--out", scratch.file("x.safetensors")])
    #expect(missing.status == 1)
    #expect(missing.stderr.contains("train-images-idx3-ubyte"), "\(missing.stderr)")
    try Data("not a model".utf8).write(to: URL(fileURLWithPath: scratch.file("fake.safetensors")))
    let fake = try BackpropTool.run(["evaluate", scratch.file("fake.safetensors"), "--data", scratch.file("test.csv")])
    #expect(fake.status == 1)
    #expect(fake.stderr.contains("fake.safetensors, byte 0"), "\(fake.stderr)")
  }

  @Test("a test label the model has never seen is named with its line")
  func unknownLabel() throws {
    let scratch = try Scratch()
    #expect(try BackpropTool.run(["train", "--data", scratch.file("train.csv"), "--epochs", "1", "--quiet",
                              "--out", scratch.file("m.safetensors"), "--label-column", "2"]).status == 0)
    try "sepal,petal,species,width,height\n1,2,setosa,3,4\n1,2,tulip,3,4\n"
      .write(toFile: scratch.file("odd.csv"), atomically: true, encoding: .utf8)
    let run = try BackpropTool.run(["evaluate", scratch.file("m.safetensors"), "--data", scratch.file("odd.csv")])
    #expect(run.status == 1)
    #expect(run.stderr.contains("line 3") && run.stderr.contains("tulip"), "\(run.stderr)")
  }
}

import Backprop
import Foundation
import Testing

@Suite("backprop train: divergence and --clip-gradients")
struct DivergenceCLITests {
  @Test("a diverging run exits 1 naming epoch, step and the hint, and saves nothing; --clip-gradients trains it")
  func divergence() throws {
    let scratch = try TrainCLITests.Scratch()
    var g = SeededGenerator(seed: 2)
    var lines = ["a,b,y"]
    for _ in 0..<60 {
      let a = g.nextUniform(in: -1, 1), b = g.nextUniform(in: -1, 1)
      lines.append("\(a),\(b),\(100 * a - 50 * b)")
    }
    try (lines.joined(separator: "\n") + "\n").write(toFile: scratch.file("d.csv"), atomically: true, encoding: .utf8)
    let common = ["train", "--data", scratch.file("d.csv"), "--target", "y", "--optimizer", "sgd", "--learning-rate", "1000",
                  "--epochs", "3", "--out", scratch.file("d.safetensors"), "--quiet"]
    let diverged = try BackpropTool.run(common)
    #expect(diverged.status == 1)
    #expect(diverged.stderr.contains("training diverged at epoch 1, step"), "\(diverged.stderr)")
    #expect(diverged.stderr.contains("lower the learning rate") && diverged.stderr.contains("nothing was saved"))
    #expect(!FileManager.default.fileExists(atPath: scratch.file("d.safetensors")))
    let clipped = try BackpropTool.run(common + ["--clip-gradients", "1"])
    #expect(clipped.status == 0, "\(clipped.stderr)")
    let refused = try BackpropTool.run(common + ["--clip-gradients", "0"])
    #expect(refused.status == 64 && refused.stderr.contains("--clip-gradients 0.0: expected a finite norm greater than 0"))
  }
}

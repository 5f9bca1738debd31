import Backprop
import Foundation
import Testing

/// `backprop train --report` and `backprop report`: one self-contained HTML file with the promised sections.
@Suite("backprop report")
struct ReportCLITests {
  /// XOR-like points in two features, so the report has a decision boundary.
  static func quadrants() -> String {
    var g = SeededGenerator(seed: 6)
    var lines = ["x1,x2,label"]
    for _ in 0..<160 {
      let a = g.nextUniform(in: -1, 1), b = g.nextUniform(in: -1, 1)
      lines.append("\(a),\(b),\((a > 0) != (b > 0) ? "odd" : "even")")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Everything a report must hold and must not: SVG charts, the sections, and nothing fetched or run.
  static func check(_ html: String, sections: [String]) {
    #expect(html.hasPrefix("<!doctype html>"))
    for section in sections { #expect(html.contains("<h2>\(section)</h2>"), "\(section)") }
    #expect(!html.contains("<script"))
    #expect(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("@import"))
    #expect(html.components(separatedBy: "<svg").count - 1 >= 5)
    #expect(html.contains("data:image/png;base64,"))
  }

  @Test("train --report on a 2-feature table writes curves, confusion matrix, norms, weights and the decision boundary; report rebuilds it from --history")
  func reportOnATable() throws {
    let scratch = try TrainCLITests.Scratch()
    try Self.quadrants().write(toFile: scratch.file("q.csv"), atomically: true, encoding: .utf8)
    let train = try BackpropTool.run(["train", "--data", scratch.file("q.csv"), "--target", "label", "--epochs", "30",
                                      "--history", scratch.file("h.jsonl"), "--report", scratch.file("r.html"),
                                      "--out", scratch.file("q.safetensors"), "--quiet"])
    #expect(train.status == 0, "\(train.stderr)")
    let html = try String(contentsOfFile: scratch.file("r.html"), encoding: .utf8)
    let sections = ["Loss and accuracy per epoch", "Confusion matrix", "Weight and gradient norms per layer",
                    "Weights per layer", "Decision boundary"]
    Self.check(html, sections: sections)
    #expect(html.contains("‖∂C/∂W[l]‖ per epoch"))
    // Every epoch record carries one weight and one gradient norm per layer.
    let first = try #require(String(contentsOfFile: scratch.file("h.jsonl"), encoding: .utf8).split(separator: "\n").first)
    let record = try #require(JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
    #expect((record["gradient_norms"] as? [Double])?.count == 2 && (record["weight_norms"] as? [Double])?.count == 2)

    let report = try BackpropTool.run(["report", scratch.file("q.safetensors"), "--history", scratch.file("h.jsonl"),
                                       "--out", scratch.file("again.html")])
    #expect(report.status == 0, "\(report.stderr)")
    Self.check(try String(contentsOfFile: scratch.file("again.html"), encoding: .utf8), sections: sections)
  }

  @Test("a report without history, or to a folder that does not exist, is refused before anything is written")
  func refusals() throws {
    let scratch = try TrainCLITests.Scratch()
    try Self.quadrants().write(toFile: scratch.file("q.csv"), atomically: true, encoding: .utf8)
    _ = try BackpropTool.run(["train", "--data", scratch.file("q.csv"), "--target", "label", "--epochs", "2",
                              "--out", scratch.file("q.safetensors"), "--quiet"])
    let noHistory = try BackpropTool.run(["report", scratch.file("q.safetensors")])
    #expect(noHistory.status == 64 && noHistory.stderr.contains("--history: a report needs the training history"))
    let badPath = try BackpropTool.run(["train", "--data", scratch.file("q.csv"), "--target", "label", "--epochs", "2",
                                        "--report", scratch.file("missing/r.html"), "--quiet"])
    #expect(badPath.status == 64 && badPath.stderr.contains("does not exist"))
  }
}

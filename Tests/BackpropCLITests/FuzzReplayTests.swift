import Foundation
import Testing

/// Every fuzz target replays its seed corpus and the inputs the fuzzer once crashed on (Fuzz/Regressions), through
/// the built `backprop-fuzz`: each must read or fail with Backprop's own error naming the file.
@Suite("fuzz corpora replay")
struct FuzzReplayTests {
  @Test("backprop-fuzz replays the seeds and the regressions without a crash", arguments: ["idx", "idx-gzip", "csv", "model", "cli"])
  func replay(target: String) throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    let folders = ["Fuzz/Corpus/\(target)", "Fuzz/Regressions/\(target)"].map { root.appendingPathComponent($0).path }
      .filter { FileManager.default.fileExists(atPath: $0) }
    let process = Process()
    process.executableURL = BackpropTool.executable.deletingLastPathComponent().appendingPathComponent("backprop-fuzz")
    process.arguments = [target] + folders
    let out = Pipe()
    process.standardOutput = out
    process.standardError = out
    try process.run()
    let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(output)")
    #expect(output.contains("replayed, none crashed"), "\(output)")
  }
}

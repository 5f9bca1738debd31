import Backprop
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `kill -9` at any instant: `backprop train` is killed with SIGKILL again and again, at random moments and the
/// moment a checkpoint write begins, and after every kill the file on disk must be one the run wrote whole (or
/// the model that was there before), and `--resume` must end on the bits of a run never interrupted.
///
/// `BACKPROP_KILL_ROUNDS=N swift test --filter KillTests` kills more (the default keeps the suite quick).
@Suite("kill -9 at any instant", .serialized)
struct KillTests {
  static let epochs = 5

  /// What every kill must leave: the complete checkpoints of an uninterrupted run, by epoch.
  struct Reference {
    let checkpoints: [[UInt8]]
    let old: [UInt8]
    let final: [UInt8]
    let losses: [Double]
    let seconds: Double
  }

  static func arguments(_ scratch: TrainCLITests.Scratch) -> [String] {
    ["train", "--data", scratch.file("big.csv"), "--label-column", "species", "--epochs", "\(epochs)", "--hidden", "48",
     "--optimizer", "adam", "--learning-rate", "0.01", "--batch-size", "8", "--quiet"]
  }

  static func reference(_ scratch: TrainCLITests.Scratch) throws -> Reference {
    var generator = SeededGenerator(seed: 5)
    try TrainCLITests.Scratch.csv(rows: 2000, using: &generator)
      .write(toFile: scratch.file("big.csv"), atomically: true, encoding: .utf8)
    let started = Date()
    let run = try BackpropTool.run(arguments(scratch) + [
      "--checkpoint", scratch.file("reference-{epoch}.safetensors"), "--out", scratch.file("reference.safetensors"),
      "--history", scratch.file("reference.jsonl"),
    ])
    let seconds = Date().timeIntervalSince(started)
    try #require(run.status == 0, "\(run.stderr)")
    let checkpoints = try (1...epochs).map { try bytes(scratch.file("reference-\($0).safetensors")) }
    #expect(Set(checkpoints).count == epochs, "every epoch's checkpoint differs")
    // What --out holds before each run: another run's model, which a kill must leave intact or replace whole.
    let other = try BackpropTool.run(arguments(scratch) + ["--epochs", "1", "--seed", "9", "--out", scratch.file("old.safetensors")])
    try #require(other.status == 0, "\(other.stderr)")
    return Reference(
      checkpoints: checkpoints, old: try bytes(scratch.file("old.safetensors")), final: try bytes(scratch.file("reference.safetensors")),
      losses: try losses(scratch.file("reference.jsonl")), seconds: seconds)
  }

  enum Moment: String, CaseIterable {
    /// Uniformly within an uninterrupted run's duration.
    case random
    /// As soon as a checkpoint's temporary file appears (that of a random epoch still to come): during its write or
    /// flush to disk.
    case checkpointWrite
  }

  @Test("after every SIGKILL the checkpoint is whole; --resume ends on the uninterrupted run's bits", arguments: Moment.allCases)
  func killAndResume(at moment: Moment) throws {
    let scratch = try TrainCLITests.Scratch()
    let reference = try Self.reference(scratch)
    let old = reference.old
    let rounds = ProcessInfo.processInfo.environment["BACKPROP_KILL_ROUNDS"].flatMap(Int.init) ?? 4
    var generator = SeededGenerator(seed: moment == .random ? 11 : 12)
    var kills = 0, killsDuringWrites = 0, resumes = 0

    for round in 0..<rounds {
      let out = scratch.file("run-\(round).safetensors"), history = scratch.file("run-\(round).jsonl")
      try Data(old).write(to: URL(fileURLWithPath: out))
      var holds: Int?  // the epoch the file at `out` holds from this run, nil for the old model
      // Up to `epochs` kills a round, then the run may finish (a kill at every write of the last epoch would
      // never let it).
      for attempt in 0...Self.epochs {
        let arguments = holds == nil
          ? Self.arguments(scratch) + ["--out", out, "--history", history]
          : ["train", "--resume", out, "--history", history, "--quiet"]
        let process = try Self.start(arguments)
        switch attempt < Self.epochs ? moment : nil {
        case nil: break
        case .random:
          Thread.sleep(forTimeInterval: generator.nextUniform(in: 0, reference.seconds))
          Self.sigkill(process)
        case .checkpointWrite:
          let prefix = ".run-\(round).safetensors.tmp-\(process.processIdentifier)-"
          let target = 1 + generator.nextInt(below: max(1, Self.epochs - (holds ?? 0)))
          var seen: Set<String> = []
          while process.isRunning, seen.count < target {
            seen.formUnion(Self.names(prefix: prefix, in: scratch.path))
            usleep(100)
          }
          Self.sigkill(process)
          if !Self.names(prefix: prefix, in: scratch.path).isEmpty { killsDuringWrites += 1 }
        }
        process.waitUntilExit()
        let saved = try Self.bytes(out)
        guard process.terminationReason == .uncaughtSignal else {
          #expect(process.terminationStatus == 0)
          break
        }
        kills += 1
        if saved == old && holds == nil { continue }
        let epoch = try #require(reference.checkpoints.firstIndex(of: saved), "round \(round): a checkpoint no complete epoch wrote")
        #expect(epoch + 1 >= holds ?? 0, "a kill went back to an earlier epoch")
        holds = epoch + 1
        resumes += 1
      }
      #expect(try Self.bytes(out) == reference.final, "round \(round): the final model differs from the uninterrupted run's")
      #expect(try Self.losses(history) == reference.losses, "round \(round): the history differs")
      let left = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasPrefix(".run-\(round).") }
      #expect(left.isEmpty, "temporary files left: \(left)")
    }
    print("KillTests \(moment): \(rounds) runs of \(String(format: "%.2f", reference.seconds)) s uninterrupted, \(kills) SIGKILLs (\(killsDuringWrites) while a checkpoint was being written), \(resumes) resumed from a whole checkpoint")
    #expect(kills >= rounds / 2)
    if moment == .checkpointWrite { #expect(killsDuringWrites >= 1) }
  }

  // MARK: Helpers

  static func start(_ arguments: [String]) throws -> Process {
    let process = Process()
    process.executableURL = BackpropTool.executable
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
  }

  static func sigkill(_ process: Process) {
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
  }

  static func names(prefix: String, in directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix(prefix) }
  }

  static func bytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  }

  /// The training losses of a history file's epoch records, in order.
  static func losses(_ path: String) throws -> [Double] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
      let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      return record?["epoch"] != nil ? record?["train_loss"] as? Double : nil
    }
  }
}

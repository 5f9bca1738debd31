import Backprop
import Foundation
import Testing

/// Whether this build runs under AddressSanitizer or ThreadSanitizer (the tool under test is built alike).
let runsUnderSanitizer: Bool = {
  let symbols: [String] = ["__asan_init", "__tsan_init"]
  return symbols.contains { dlsym(UnsafeMutableRawPointer(bitPattern: 0), $0) != nil }
}()

/// Inputs built to exhaust memory or time: a clear error (or a normal run) within a memory cap, never a crash.
/// The caps are set with `ulimit -v` on the child, so a reader that allocates in proportion to a hostile line
/// fails the test instead of swapping. Not under AddressSanitizer or ThreadSanitizer: their shadow memory needs
/// terabytes of address space, which the cap forbids.
@Suite("resource limits", .serialized, .enabled(if: !runsUnderSanitizer, "ulimit -v and a sanitizer's shadow memory exclude each other"))
struct ResourceLimitTests {
  /// A folder on a RAM disk where there is one (10⁵ files are written in a second there, ~10 s on a disk).
  final class Folder {
    let path: String
    init() throws {
      let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
      path = base + "/backprop-limits-\(UUID().uuidString)"
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
  }

  /// `backprop ARGUMENTS` with its address space capped at 500 MB (the debug build itself maps ~150 MB).
  static func run(_ arguments: [String]) throws -> BackpropTool.Run {
    try BackpropTool.run(arguments, addressSpaceMegabytes: 500)
  }

  @Test("a CSV row of ten million commas: the field count in a clear error, within 500 MB (it took 566 MB before)")
  func tenMegabyteRowOfCommas() throws {
    let folder = try Folder()
    try Data(("f,label\n" + String(repeating: ",", count: 10 << 20) + "\n").utf8).write(to: URL(fileURLWithPath: folder.file("wide.csv")))
    let run = try Self.run(["train", "--data", folder.file("wide.csv"), "--label-column", "label", "--out", folder.file("m.safetensors")])
    #expect(run.status == 1, "\(run.stderr)")
    #expect(run.stderr.contains("wide.csv, line 2: expected 2 fields as in the header, found 10485761"), "\(run.stderr)")
    #expect(!FileManager.default.fileExists(atPath: folder.file("m.safetensors")))
  }

  @Test("a 10 MB CSV field: a clear error quoting 40 characters of it, within 500 MB", arguments: ["header", "feature", "label"])
  func tenMegabyteField(in place: String) throws {
    let folder = try Folder()
    let huge = String(repeating: "7", count: 10 << 20) + "x"
    let text = switch place {
    case "header": "\(huge),f,label\n1,2,a\n"
    case "feature": "f,label\n\(huge),a\n"
    default: "f,label\n1,\(huge)\n"
    }
    try Data(text.utf8).write(to: URL(fileURLWithPath: folder.file("long.csv")))
    let arguments = place == "label"
      ? ["train", "--data", folder.file("long.csv"), "--target", "label", "--task", "regression", "--validation-split", "0"]
      : ["train", "--data", folder.file("long.csv"), "--label-column", place == "header" ? "wrong" : "label"]
    let run = try Self.run(arguments + ["--out", folder.file("m.safetensors"), "--epochs", "1"])
    #expect(run.status == 1, "\(run.stderr)")
    #expect(run.stderr.contains("long.csv"), "\(run.stderr.prefix(300))")
    #expect(run.stderr.utf8.count < 2_000, "the message quotes \(run.stderr.utf8.count) bytes")
  }

  @Test("a folder of 10⁵ tiny files: --data says which files it looked for; a model saved into it leaves no stray file")
  func folderOfManyFiles() throws {
    let folder = try Folder()
    for i in 0..<100_000 {
      let fd = open(folder.file(String(format: "f%06d", i)), O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
      try #require(fd >= 0)
      close(fd)
    }
    let started = Date()
    let data = try Self.run(["train", "--data", folder.path])
    #expect(data.status == 1)
    #expect(data.stderr.contains("found no training images (looked for train-images-idx3-ubyte"), "\(data.stderr)")
    #expect(Date().timeIntervalSince(started) < 10)

    let scratch = try TrainCLITests.Scratch()
    let out = folder.file("model.safetensors")
    let train = try Self.run(["train", "--data", scratch.file("train.csv"), "--label-column", "species", "--epochs", "3",
                              "--out", out, "--quiet"])
    #expect(train.status == 0, "\(train.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).count == 100_001)
    let inspect = try Self.run(["inspect", folder.path])
    #expect(inspect.status != 0 && inspect.status < 128)
    #expect(inspect.stderr.contains(folder.path), "\(inspect.stderr)")
  }
}

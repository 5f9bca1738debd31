import Backprop
import Foundation
import Testing

/// The inputs the fuzzer found (Fuzz/Regressions/TARGET/NAME, checked in as it found them), each with what
/// Backprop must now do with it. `backprop-fuzz` replays them all too (BackpropCLITests.FuzzReplayTests).
@Suite("fuzz findings")
struct FuzzFindingTests {
  static func input(_ target: String, _ name: String) throws -> [UInt8] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../..")
    return [UInt8](try Data(contentsOf: root.appendingPathComponent("Fuzz/Regressions/\(target)/\(name)")))
  }

  /// A scratch file holding `bytes`.
  static func file(_ bytes: [UInt8], name: String) throws -> String {
    let path = NSTemporaryDirectory() + "backprop-finding-\(UUID().uuidString)-" + name
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  @Test("a checkpoint whose RMSprop α is 1.99 is refused by the model reader, naming the file and field (was: a BackpropError without the file, from deep inside)")
  func optimizerSettingOutOfRange() throws {
    // The model target's first byte is its mode (0: the file as is).
    let path = try Self.file(Array(try Self.input("model", "optimizer-alpha-out-of-range").dropFirst()), name: "alpha.safetensors")
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect {
      _ = try ModelFile<Float>.read(from: path)
    } throws: { error in
      guard case .invalidModel(let file, let field, _, let found) = error as? ModelFileError else { return false }
      return file == path && field == "training.configuration" && found.contains("alpha = 1.99")
    }
  }
}

import Backprop
import Foundation

/// A directory of its own for one test, under the system's temporary directory; removed when released.
final class DataScratchDirectory {
  let path: String

  init() throws {
    path = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("backprop-data-tests-" + UUID().uuidString).path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// Writes `bytes` to the file `name` in this directory and returns its path.
  @discardableResult
  func write(_ bytes: [UInt8], to name: String) throws -> String {
    let file = path + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: file))
    return file
  }

  /// Writes `text` as UTF-8 to the file `name` in this directory and returns its path.
  @discardableResult
  func write(_ text: String, to name: String) throws -> String { try write(Array(text.utf8), to: name) }
}

/// The files under `Tests/BackpropTestSupport/Fixtures/data/`, made by `make_data_fixtures.py` there, and the
/// values that script says they hold.
enum DataFixtures {
  /// The fixtures folder.
  static let folder: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("BackpropTestSupport/Fixtures/data").standardized.path

  /// The package's root folder.
  static let packageRoot: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().standardized.path

  static func path(_ name: String) -> String { folder + "/" + name }

  /// The bytes of the file `name` in the fixtures folder.
  static func bytes(_ name: String) throws -> [UInt8] { try Array(Data(contentsOf: URL(fileURLWithPath: path(name)))) }

  /// The tiny IDX data set's pixels, as the script defines them: pixel k of image i is (37·i + 11·k) mod 256.
  static let pixels: [UInt8] = (0..<5).flatMap { i in (0..<12).map { k in UInt8((37 * i + 11 * k) % 256) } }
  /// The tiny IDX data set's labels.
  static let labels = [3, 0, 9, 1, 7]
}

/// An IDX file: the magic number, the big-endian sizes, then `data`.
func idxFile(magic: UInt32, sizes: [UInt32], data: [UInt8]) -> [UInt8] {
  ([magic] + sizes).flatMap { word in [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: word >> $0) } } + data
}

/// The message of the error `body` throws, or nil when it returns.
func dataErrorMessage(_ body: () throws -> Any) -> String? {
  do {
    _ = try body()
    return nil
  } catch {
    return "\(error)"
  }
}

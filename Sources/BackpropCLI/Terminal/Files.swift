import ArgumentParser
import Foundation

/// Checks and writes for the files the commands produce.
enum Files {
  /// Fails early, before any training, when `path` could not be written: its folder is missing or read-only, or
  /// it names a folder.
  static func checkWritable(_ path: String) throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent().path
    if DataLoading.isDirectory(path) {
      throw ValidationError("\(path): cannot write: it is a folder")
    }
    guard DataLoading.isDirectory(folder) else {
      throw ValidationError("\(path): cannot write: the folder \(folder) does not exist")
    }
    guard FileManager.default.isWritableFile(atPath: folder) else {
      throw ValidationError("\(path): cannot write: the folder \(folder) is not writable")
    }
  }
}

extension Files {
  /// `path` made absolute against the current directory, so a checkpoint still finds it from elsewhere.
  static func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
  }
}

/// `--history FILE.jsonl`: one JSON object per line, flushed as each epoch ends.
struct HistoryFile {
  struct Epoch: Codable {
    var epoch: Int, trainLoss: Double, seconds: Double
    var valLoss: Double?, valAccuracy: Double?, testLoss: Double?, testAccuracy: Double?
    /// ‖W[l]‖ and ‖∂C/∂W[l]‖ per layer after the epoch (the gradient on 256 training samples).
    var weightNorms: [Double]? = nil, gradientNorms: [Double]? = nil
    enum CodingKeys: String, CodingKey {
      case epoch, seconds
      case trainLoss = "train_loss", valLoss = "val_loss", valAccuracy = "val_accuracy"
      case testLoss = "test_loss", testAccuracy = "test_accuracy"
      case weightNorms = "weight_norms", gradientNorms = "gradient_norms"
    }
  }

  /// The epoch records of a history file, in order (the final record and unreadable lines are skipped).
  static func epochs(in path: String) throws -> [Epoch] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw ValidationError("--history \(path): cannot read the file")
    }
    let decoder = JSONDecoder()
    let records = text.split(separator: "\n").compactMap { try? decoder.decode(Epoch.self, from: Data($0.utf8)) }
    guard !records.isEmpty else {
      throw ValidationError("--history \(path): no epoch records (write one with backprop train --history FILE)")
    }
    return records
  }

  struct Final: Encodable {
    var testLoss: Double, testAccuracy: Double
    enum CodingKeys: String, CodingKey {
      case testLoss = "test_loss", testAccuracy = "test_accuracy"
    }
  }

  private let handle: FileHandle
  private let encoder: JSONEncoder

  /// Opens `path` keeping only its records of epochs 1 … `epoch` (a resumed run goes on from there, so its
  /// history reads as if never interrupted); 0 starts it empty.
  init(path: String, keepingEpochsUpTo epoch: Int) throws {
    let kept = epoch == 0 ? [] : ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
      .split(separator: "\n").filter { line in
        guard let record = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let number = record["epoch"] as? Int else { return false }
        return number <= epoch
      }
    guard FileManager.default.createFile(atPath: path, contents: Data(kept.map { $0 + "\n" }.joined().utf8)) else {
      throw ValidationError("\(path): cannot write the history file")
    }
    guard let handle = FileHandle(forWritingAtPath: path) else {
      throw ValidationError("\(path): cannot write the history file")
    }
    handle.seekToEndOfFile()
    self.handle = handle
    encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
  }

  mutating func append<T: Encodable>(_ record: T) throws {
    try handle.write(contentsOf: encoder.encode(record) + Data("\n".utf8))
    try handle.synchronize()
  }
}

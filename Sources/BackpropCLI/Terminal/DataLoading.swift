import ArgumentParser
import Backprop
import Foundation

/// Turns `--data PATH` into data sets: an IDX directory (training and test files), an IDX images file, or a CSV
/// file; with no path, the MNIST files that ship in the repository.
enum DataLoading {
  /// Where the bundled MNIST lives: `data/mnist` under the current directory, else beside this source tree.
  static var bundledMNIST: String? {
    let candidates = [
      FileManager.default.currentDirectoryPath + "/data/mnist",
      URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data/mnist").path,
    ]
    return candidates.first { FileManager.default.fileExists(atPath: $0 + "/train-labels-idx1-ubyte.gz") }
  }

  /// The path to use: `path`, or the bundled MNIST.
  static func resolve(_ path: String?) throws -> String {
    if let path { return path }
    guard let bundled = bundledMNIST else {
      throw ValidationError(
        "--data: no path given and the bundled MNIST (data/mnist) was not found; run from the repository or pass --data")
    }
    return bundled
  }

  static func isDirectory(_ path: String) -> Bool {
    var directory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
  }

  /// Labelled data from `path`: for a directory, its IDX `split`; for a file, a CSV with the label column
  /// `labelColumn` (a name or a 0-based index; by default one named label/class/target/y, else the last).
  static func labelled(
    _ path: String, split: IDXReader.Split, labelColumn: String?, classNames: [String]? = nil
  ) throws -> (Dataset, labelColumn: String?) {
    if isDirectory(path) { return (try IDXReader.readDirectory(path, split: split), nil) }
    let column = try labelColumn.map(parseColumn) ?? defaultLabelColumn(of: path)
    let data = try CSVReader.read(path, labelColumn: column, classNames: classNames)
    let name: String? = switch column {
    case .name(let name): name
    case .index(let index): try header(of: path).indices.contains(index) ? header(of: path)[index] : nil
    }
    return (data, name)
  }

  /// Labelled data read the way `file`'s model was trained: for a model trained with `--target`, by its target
  /// columns, task, classes and missing-value handling; otherwise as above with the model's label column and
  /// classes. A `labelColumn` given overrides the model's and reads the file as a plain labelled CSV.
  static func labelled(
    _ path: String, like file: ModelFile<Float>, split: IDXReader.Split, labelColumn: String? = nil
  ) throws -> Dataset {
    if file.input.task != nil, labelColumn == nil, !isDirectory(path) {
      return try TabularData.like(file.input, classNames: file.classNames, path: path, withTargets: true)
    }
    return try labelled(
      path, split: split, labelColumn: labelColumn ?? file.input.labelColumn,
      classNames: file.classNames.isEmpty ? nil : file.classNames).0
  }

  static func parseColumn(_ text: String) -> CSVReader.LabelColumn {
    Int(text).map { .index($0) } ?? .name(text)
  }

  static func defaultLabelColumn(of path: String) throws -> CSVReader.LabelColumn {
    let names = try header(of: path)
    if let found = names.first(where: { ["label", "class", "target", "y"].contains($0.lowercased()) }) {
      return .name(found)
    }
    return .index(max(names.count - 1, 0))
  }

  /// The first line of a CSV file, split at commas.
  static func header(of path: String) throws -> [String] {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw DataError.unreadable(file: path, reason: "no such file, or not readable")
    }
    defer { try? handle.close() }
    let start = (try? handle.read(upToCount: 1 << 16)) ?? Data()
    let line = String(decoding: start.prefix { $0 != 0x0A && $0 != 0x0D }, as: UTF8.self)
    return line.split(separator: ",", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }
  }
}

import ArgumentParser
import Backprop
import BackpropCLI
import Foundation

/// What a fuzz input is fed to. Each target writes the input (or a file made from it) where a user's file would
/// be and reads it through the public API, as the commands do.
enum FuzzTarget: String, CaseIterable {
  /// IDX images and labels files, as stored.
  case idx
  /// IDX data inside gzip members made from the input, intact or damaged in one of the ways files get damaged.
  case idxGzip = "idx-gzip"
  /// CSV tables, read with options chosen by the first byte.
  case csv
  /// Backprop model files (safetensors).
  case model
  /// The command line: the input split at zero bytes into arguments, parsed and validated.
  case cli

  /// The target this process runs (libFuzzer's callback cannot capture it).
  nonisolated(unsafe) static var selected = FuzzTarget.idx

  func run(_ input: UnsafeRawBufferPointer) {
    let bytes = [UInt8](input)
    switch self {
    case .idx: Self.readIDX(bytes, name: "input-idx3-ubyte")
    case .idxGzip: Self.readIDX(GzipMaker.gzip(from: bytes), name: "input-idx3-ubyte.gz")
    case .csv: Self.readCSV(bytes)
    case .model: Self.readModel(bytes)
    case .cli: Self.parseArguments(bytes)
    }
  }
}

// MARK: The targets

extension FuzzTarget {
  /// Reads the file as images, then as the labels of a valid two-image file.
  private static func readIDX(_ bytes: [UInt8], name: String) {
    let path = Scratch.write(bytes, to: name)
    expectReadOrNamedError(path) {
      let images = try IDXReader.read(images: path, labels: nil)
      guard case .bytes(let pixels) = images.features, pixels.count == images.count * images.featureCount else {
        fatalError("IDX images read with \(images.count) × \(images.featureCount) but another number of pixels")
      }
    }
    expectReadOrNamedError(path) {
      let labelled = try IDXReader.read(images: Scratch.twoImages, labels: path)
      guard let labels = labelled.labels, labels.count == 2, labels.allSatisfy({ labelled.classNames.indices.contains($0) })
      else { fatalError("IDX labels read, but not two of them within the classes") }
    }
  }

  /// The first byte picks the target columns, the task, the missing-value policy and whether classes are given.
  private static func readCSV(_ bytes: [UInt8]) {
    guard let choice = bytes.first else { return }
    let path = Scratch.write(Array(bytes.dropFirst()), to: "input.csv")
    let targets: [CSVReader.LabelColumn] = [[], [.index(Int(choice >> 6))], [.name("label")], [.index(0), .name("y")]][Int(choice & 3)]
    let task: Task? = [nil, .classification, .regression, .multiLabel][Int(choice >> 2 & 3)]
    let missing = CSVReader.MissingValues.allCases[Int(choice >> 4 & 3) % 3]
    let classNames = choice & 0x30 == 0x30 ? ["0", "1", "a"] : nil
    let options = CSVReader.Options(targets: targets, task: task, classNames: classNames, missing: missing)
    expectReadOrNamedError(path) {
      let table = try CSVReader.read(path, options: options)
      let data = table.dataset
      guard case .floats(let features) = data.features, features.count == data.count * data.featureCount,
            features.allSatisfy(\.isFinite) else {
        fatalError("CSV read with features that do not fit \(data.count) × \(data.featureCount) or are not finite")
      }
      if let labels = data.labels, labels.count != data.count || !labels.allSatisfy(data.classNames.indices.contains) {
        fatalError("CSV read with \(labels.count) labels for \(data.count) rows, or a label outside the classes")
      }
    }
  }

  /// Reads a model file; one that reads must write and read back to the same bytes. An odd first byte makes the
  /// 8-byte header length agree with the JSON that follows, so that mutations reach the header's contents.
  private static func readModel(_ bytes: [UInt8]) {
    guard let choice = bytes.first else { return }
    var file = Array(bytes.dropFirst())
    if choice & 1 == 1 { SafetensorsHeader.fixLength(&file) }
    let path = Scratch.write(file, to: "input.safetensors")
    roundTrip(ModelFile<Float>.self, path)
    roundTrip(ModelFile<Double>.self, path)
  }

  private static func roundTrip<Scalar>(_: ModelFile<Scalar>.Type, _ path: String) {
    expectReadOrNamedError(path) {
      let model = try ModelFile<Scalar>.read(from: path)
      let copy = Scratch.path("copy.safetensors")
      try model.write(to: copy)
      guard try ModelFile<Scalar>.read(from: copy).container().encoded() == model.container().encoded() else {
        fatalError("a model file read, written and read again changed")
      }
    }
  }

  /// Parses and validates the arguments as `backprop` does before running a command, and makes the message and
  /// exit code it would print.
  private static func parseArguments(_ bytes: [UInt8]) {
    let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).prefix(64).map {
      String(decoding: $0, as: UTF8.self)
    }
    do {
      _ = try BackpropCommand.parseAsRoot(arguments)
    } catch {
      _ = BackpropCommand.message(for: error)
      _ = BackpropCommand.exitCode(for: error)
    }
  }

  /// Runs `read`; it may succeed or throw Backprop's error for the file, which must name it.
  private static func expectReadOrNamedError(_ path: String, _ read: () throws -> Void) {
    do {
      try read()
    } catch let error where error is DataError || error is ModelFileError {
      guard "\(error)".contains(path) else { fatalError("the error does not name the file: \(error)") }
    } catch {
      fatalError("an error of an unexpected type \(type(of: error)): \(error)")
    }
  }
}

// MARK: Files

/// A private folder for the files made from inputs (in /dev/shm where there is one, to spare the disk).
enum Scratch {
  static let folder: String = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let folder = "\(base)/backprop-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: Scratch.folder) }
    return folder
  }()

  static func path(_ name: String) -> String { folder + "/" + name }

  static func write(_ bytes: [UInt8], to name: String) -> String {
    let path = path(name)
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { fatalError("cannot write \(path)") }
    return path
  }

  /// A valid IDX images file of two 2×2 images, for the labels files to go with.
  static let twoImages = write([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 64, 128, 255, 1, 2, 3, 4], to: "two-images")
}

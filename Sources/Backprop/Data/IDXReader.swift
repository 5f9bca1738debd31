/// Reads MNIST-style IDX files: images (`train-images-idx3-ubyte`) and their labels (`train-labels-idx1-ubyte`),
/// plain or gzipped.
///
/// An IDX file is a 4-byte magic number, one big-endian 32-bit size per dimension, then the values, row-major.
/// Backprop reads the two unsigned-byte forms MNIST uses:
///
/// | file | magic number | sizes | then |
/// |---|---|---|---|
/// | images | `0x00000803` | N, rows, columns | N·rows·columns pixels, one byte each, 0 (white) … 255 |
/// | labels | `0x00000801` | N | N labels, one byte each |
///
/// A file that starts with gzip's magic number (1f 8b) is inflated first, whatever its name; byte offsets in
/// error messages then count in the inflated data, except for errors in the gzip data itself (corrupt or cut
/// short), which give the offset in the compressed file that zlib had reached. Sizes are checked against the file's length before anything
/// is allocated for them, so a header that claims 2³¹ images costs nothing.
///
/// ```swift
/// let train = try IDXReader.readDirectory("data/mnist", split: .train)   // 60000 samples of 784 bytes
/// let test = try IDXReader.read(images: "t10k-images-idx3-ubyte.gz", labels: "t10k-labels-idx1-ubyte.gz")
/// ```
public enum IDXReader {
  /// Which files of a data set: the training or the test images and labels.
  public enum Split: String, Sendable, CaseIterable {
    /// `train-images-idx3-ubyte` and `train-labels-idx1-ubyte`.
    case train
    /// `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`.
    case test

    /// The prefix of the file names: `train` or `t10k`.
    public var filePrefix: String { self == .train ? "train" : "t10k" }
  }

  /// Reads images and, optionally, their labels.
  ///
  /// The data set keeps the pixels as bytes (`Dataset.Features.bytes`), one image after another, with
  /// `featureCount` = rows × columns. The classes are "0"…"9", or "0"…"m" when the largest label m is above 9
  /// (EMNIST letters, for example); labels stay the numbers in the file. `source` is the images path, or both
  /// paths joined by " and ".
  ///
  /// - Parameters:
  ///   - images: the path of an images file (magic number `0x00000803`), plain or gzipped.
  ///   - labels: the path of its labels file (magic number `0x00000801`), or nil for images without labels.
  /// - Throws: `DataError.unreadable` when a file cannot be read (or is gzipped and zlib is missing);
  ///   `DataError.malformed` with the byte offset for an empty file, a wrong magic number or dimension count,
  ///   a zero size, data that ends early, or bytes after the data; `DataError.inconsistent` naming both files
  ///   when the counts of images and labels differ.
  public static func read(images: String, labels: String?) throws -> Dataset {
    var pixels = try DataFile.contents(of: images)
    let sizes = try strippingHeader(of: &pixels, file: images, kind: .images)
    let count = sizes[0], featureCount = sizes[1] * sizes[2]
    guard let labels else {
      return try Dataset(
        features: .bytes(pixels), count: count, featureCount: featureCount, labels: nil,
        classNames: classNames(upTo: 9), source: images)
    }
    var values = try DataFile.contents(of: labels)
    let labelCount = try strippingHeader(of: &values, file: labels, kind: .labels)[0]
    let source = "\(images) and \(labels)"
    guard labelCount == count else {
      throw DataError.inconsistent(
        source: source, detail: "expected as many labels as images, found \(count) images and \(labelCount) labels")
    }
    let largest = Int(values.max() ?? 0)
    return try Dataset(
      features: .bytes(pixels), count: count, featureCount: featureCount, labels: values.map { Int($0) },
      classNames: classNames(upTo: max(9, largest)), source: source)
  }

  /// Reads the images and labels of `split` from the directory at `path`.
  ///
  /// The files are found by their usual names, each also accepted with a dot before `idx` and with `.gz`:
  /// `train-images-idx3-ubyte`, `train-images.idx3-ubyte`, `train-images-idx3-ubyte.gz`, … and the same for
  /// `train-labels-idx1-ubyte`; the test split's names start with `t10k` instead of `train`. An uncompressed file
  /// is preferred to a gzipped one. See `read(images:labels:)` for the data set returned.
  ///
  /// - Throws: `DataError.unreadable` naming the directory and the file names looked for when the images or the
  ///   labels are not there; the errors of `read(images:labels:)`.
  public static func readDirectory(_ path: String, split: Split) throws -> Dataset {
    guard DataFile.isDirectory(path) else {
      throw DataError.unreadable(
        file: path, reason: DataFile.isFile(path) ? "it is a file, not a directory" : "the directory does not exist")
    }
    let folder = path.hasSuffix("/") ? path : path + "/"
    let words = split == .train ? "training" : "test"
    var missing: [String] = []
    var found: [String] = []
    for kind in [FileKind.images, .labels] {
      let names = kind.fileNames(prefix: split.filePrefix)
      if let name = names.first(where: { DataFile.isFile(folder + $0) }) {
        found.append(folder + name)
      } else {
        missing.append("no \(words) \(kind) (looked for \(names.joined(separator: ", ")))")
      }
    }
    guard missing.isEmpty else {
      throw DataError.unreadable(file: path, reason: "found " + missing.joined(separator: " and "))
    }
    return try read(images: found[0], labels: found[1])
  }

  /// "0", "1", …, "\(largest)".
  private static func classNames(upTo largest: Int) -> [String] {
    (0...largest).map { String($0) }
  }
}

// MARK: The header

extension IDXReader {
  /// The two kinds of IDX file Backprop reads.
  fileprivate enum FileKind: CustomStringConvertible {
    case images, labels

    var magic: UInt32 { self == .images ? 0x0000_0803 : 0x0000_0801 }
    var dimensionCount: Int { self == .images ? 3 : 1 }
    var description: String { self == .images ? "images" : "labels" }
    var dimensionWords: String {
      self == .images ? "3 dimensions (images, rows, columns)" : "1 dimension (labels)"
    }
    var sizeNames: [String] { self == .images ? ["images", "rows", "columns"] : ["labels"] }

    /// The names a file of this kind goes by in a directory, in order of preference.
    func fileNames(prefix: String) -> [String] {
      let stem = self == .images ? "images" : "labels", format = self == .images ? "idx3-ubyte" : "idx1-ubyte"
      return ["\(prefix)-\(stem)-\(format)", "\(prefix)-\(stem).\(format)"].flatMap { [$0, $0 + ".gz"] }
    }
  }

  /// Checks the header and length of the IDX file `bytes`, removes the header, and returns the sizes
  /// (N, rows, columns for images; N for labels).
  fileprivate static func strippingHeader(of bytes: inout [UInt8], file: String, kind: FileKind) throws -> [Int] {
    func at(_ offset: Int) -> InputLocation { InputLocation(file: file, byteOffset: offset) }
    let expectedMagic = "magic number \(hex(kind.magic)) (IDX \(kind) of unsigned bytes)"
    guard !bytes.isEmpty else {
      throw DataError.malformed(at(0), expected: expectedMagic, found: "an empty file")
    }
    guard bytes.count >= 4 else {
      throw DataError.malformed(
        at(0), expected: expectedMagic, found: "\(byteCount(bytes.count)) (the file ends early)")
    }
    let magic = bigEndianWord(bytes, at: 0)
    guard bytes[0] == 0, bytes[1] == 0, bytes[2] == 0x08 else {
      throw DataError.malformed(at(0), expected: expectedMagic, found: "\(hex(magic)) (\(magicWords(magic)))")
    }
    let dimensions = Int(bytes[3])
    guard dimensions == kind.dimensionCount else {
      throw DataError.malformed(
        at(3), expected: "\(kind.dimensionWords), magic number \(hex(kind.magic))",
        found: "\(dimensions) (magic number \(hex(magic))\(magic == 0x0801 ? ", a labels file" : magic == 0x0803 ? ", an images file" : ""))")
    }
    let headerLength = 4 + 4 * dimensions
    guard bytes.count >= headerLength else {
      throw DataError.malformed(
        at(4), expected: "\(4 * dimensions) bytes of sizes (\(kind.sizeNames.joined(separator: ", ")))",
        found: "\(bytes.count - 4) (the file ends early)")
    }
    let sizes = (0..<dimensions).map { Int(bigEndianWord(bytes, at: 4 + 4 * $0)) }
    if let zero = sizes.firstIndex(of: 0) {
      throw DataError.malformed(
        at(4 + 4 * zero), expected: "a positive number of \(kind.sizeNames[zero])", found: "0")
    }
    // The data's length, without overflow: the sizes are each below 2^32, so their product may not fit an Int.
    var total = 1
    var overflow = false
    for size in sizes {
      let (product, overflowed) = total.multipliedReportingOverflow(by: size)
      total = product
      overflow = overflow || overflowed
    }
    let stored = bytes.count - headerLength
    let what =
      kind == .labels
      ? "\(sizes[0]) labels"
      : overflow
        ? "\(sizes[0]) images of \(sizes[1])×\(sizes[2]) pixels"
        : "\(total) bytes of image data (\(sizes[0]) images of \(sizes[1])×\(sizes[2]))"
    guard !overflow, stored >= total else {
      throw DataError.malformed(at(headerLength), expected: what, found: "\(stored) (the file ends early)")
    }
    guard stored == total else {
      throw DataError.malformed(
        at(headerLength + total), expected: "the end of the file after \(sizes[0]) \(kind)",
        found: "\(byteCount(stored - total, more: true))")
    }
    bytes.removeSubrange(0..<headerLength)
    return sizes
  }

  /// "1 byte", "2 bytes", or with `more`, "1 more byte".
  static func byteCount(_ count: Int, more: Bool = false) -> String {
    "\(count) \(more ? "more " : "")\(count == 1 ? "byte" : "bytes")"
  }

  /// The 32-bit big-endian word at `offset`.
  private static func bigEndianWord(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
      | UInt32(bytes[offset + 3])
  }

  /// `0x00000803`.
  private static func hex(_ word: UInt32) -> String {
    let digits = String(word, radix: 16, uppercase: true)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
  }

  /// What a magic number that is not unsigned-byte IDX looks like.
  private static func magicWords(_ magic: UInt32) -> String {
    let types: [UInt32: String] = [
      0x09: "signed bytes", 0x0B: "16-bit integers", 0x0C: "32-bit integers", 0x0D: "32-bit floats",
      0x0E: "64-bit floats",
    ]
    if magic >> 16 == 0, let type = types[(magic >> 8) & 0xFF] { return "IDX of \(type), not unsigned bytes" }
    return "not an IDX file"
  }
}

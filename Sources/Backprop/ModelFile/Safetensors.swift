import Foundation

/// A safetensors file in memory: named tensors of raw little-endian bytes, plus string metadata.
///
/// The format is Hugging Face's (https://github.com/huggingface/safetensors), so PyTorch, NumPy, JAX and MLX read
/// what Backprop writes. docs/model-format.md describes it byte by byte:
///
///     bytes 0..<8         N, the header length, a little-endian UInt64
///     bytes 8..<8+N       a UTF-8 JSON object: tensor name → {"dtype", "shape", "data_offsets": [begin, end]},
///                         and optionally "__metadata__" → {string: string}; padded with spaces to 8+N ≡ 0 (mod 8)
///     bytes 8+N..<end     the data: each tensor's elements little-endian, row-major, at data_offsets relative
///                         to byte 8+N, packed with no gaps
///
/// ```swift
/// var file = Safetensors(metadata: ["format": "backprop"])
/// file.tensors["layers.0.weight"] = try .init(floats: [1, 2, 3, 4, 5, 6], shape: [3, 2])
/// try file.write(to: "model.safetensors")                  // atomic: the old file or the new, never half
/// let back = try Safetensors.read(from: "model.safetensors")
/// back.tensors["layers.0.weight"]?.floats                  // [1, 2, 3, 4, 5, 6], the same bits
/// ```
///
/// Writing is deterministic: tensors in the order of their names' UTF-8 bytes, metadata keys likewise, so the
/// same tensors always give the same bytes. Reading checks every length, offset and type before it trusts it
/// and throws ``ModelFileError`` naming the byte or the tensor at fault. The whole file is held in memory.
///
/// Only the dtypes Backprop uses are supported (``DType``); a file with BF16 or F16 tensors is rejected by name.
public struct Safetensors: Sendable, Equatable {
  /// The tensors by name. The name `__metadata__` is reserved for the metadata.
  public var tensors: [String: Tensor]
  /// Free-form string pairs stored under the header key `__metadata__`.
  public var metadata: [String: String]

  public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
    self.tensors = tensors
    self.metadata = metadata
  }

  /// The longest header a file may declare, 100 MB, as in the reference implementation: a corrupt length field
  /// is caught before anything is allocated for it.
  public static let maximumHeaderLength = 100_000_000

  /// The header key that holds the metadata rather than a tensor.
  static let metadataKey = "__metadata__"
}

// MARK: - Tensors

extension Safetensors {
  /// The element types Backprop reads and writes, spelled as in the file's header.
  public enum DType: String, Sendable, CaseIterable {
    case f32 = "F32", f64 = "F64", i64 = "I64", u64 = "U64", u8 = "U8"

    /// Bytes per element.
    public var byteCount: Int {
      switch self {
      case .f32: 4
      case .f64, .i64, .u64: 8
      case .u8: 1
      }
    }
  }

  /// One tensor: its element type, its shape and its elements as raw little-endian bytes in row-major order.
  ///
  /// A tensor always holds exactly (product of `shape`) × `dtype.byteCount` bytes: the initializers check it, so
  /// every tensor can be written. A shape of `[]` is a scalar (one element); a shape with a 0 has no elements.
  public struct Tensor: Sendable, Equatable {
    public private(set) var dtype: DType
    public private(set) var shape: [Int]
    /// The elements, little-endian, row-major: element i occupies bytes i·s ..< (i+1)·s, s = `dtype.byteCount`.
    public private(set) var bytes: [UInt8]

    /// The number of elements, the product of `shape`.
    public var count: Int { bytes.count / dtype.byteCount }

    /// A tensor from raw little-endian bytes.
    ///
    /// - Throws: `BackpropError.invalidArgument` for a negative dimension, `BackpropError.shapeMismatch` when
    ///   `bytes.count` is not (product of `shape`) × `dtype.byteCount`.
    public init(dtype: DType, shape: [Int], bytes: [UInt8]) throws {
      let count = try Self.elementCount(of: shape)
      let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteCount)
      guard !overflow, bytes.count == byteCount else {
        throw BackpropError.shapeMismatch(
          context: "\(dtype.rawValue) tensor of shape \(shape)", expected: "\(count) × \(dtype.byteCount) bytes",
          found: "\(bytes.count) bytes")
      }
      self.init(dtype: dtype, shape: shape, checkedBytes: bytes)
    }

    /// An F32 tensor; `floats` in row-major order. Every bit pattern is kept, NaN payloads and −0 included.
    ///
    /// - Throws: `BackpropError` for a negative dimension or when `floats.count` is not the product of `shape`.
    public init(floats: [Float], shape: [Int]) throws {
      try self.init(.f32, shape: shape, values: floats) { $0.bitPattern }
    }

    /// An F64 tensor; `doubles` in row-major order. Every bit pattern is kept, NaN payloads and −0 included.
    ///
    /// - Throws: `BackpropError` for a negative dimension or when `doubles.count` is not the product of `shape`.
    public init(doubles: [Double], shape: [Int]) throws {
      try self.init(.f64, shape: shape, values: doubles) { $0.bitPattern }
    }

    /// An I64 tensor (two's complement); `int64s` in row-major order.
    ///
    /// - Throws: `BackpropError` for a negative dimension or when `int64s.count` is not the product of `shape`.
    public init(int64s: [Int64], shape: [Int]) throws {
      try self.init(.i64, shape: shape, values: int64s) { UInt64(bitPattern: $0) }
    }

    /// A U64 tensor; `uint64s` in row-major order.
    ///
    /// - Throws: `BackpropError` for a negative dimension or when `uint64s.count` is not the product of `shape`.
    public init(uint64s: [UInt64], shape: [Int]) throws {
      try self.init(.u64, shape: shape, values: uint64s) { $0 }
    }

    /// The elements of an F32 tensor, bit for bit; nil for any other dtype.
    public var floats: [Float]? { dtype == .f32 ? elements(UInt32.self).map(Float.init(bitPattern:)) : nil }
    /// The elements of an F64 tensor, bit for bit; nil for any other dtype.
    public var doubles: [Double]? { dtype == .f64 ? elements(UInt64.self).map(Double.init(bitPattern:)) : nil }
    /// The elements of an I64 tensor; nil for any other dtype.
    public var int64s: [Int64]? { dtype == .i64 ? elements(UInt64.self).map(Int64.init(bitPattern:)) : nil }
    /// The elements of a U64 tensor; nil for any other dtype.
    public var uint64s: [UInt64]? { dtype == .u64 ? elements(UInt64.self) : nil }

    init(dtype: DType, shape: [Int], checkedBytes bytes: [UInt8]) {
      self.dtype = dtype
      self.shape = shape
      self.bytes = bytes
    }

    /// Stores each value's bit pattern least significant byte first, whatever the machine's byte order.
    private init<Value, Bits: FixedWidthInteger & UnsignedInteger>(
      _ dtype: DType, shape: [Int], values: [Value], bitPattern: (Value) -> Bits
    ) throws {
      let count = try Self.elementCount(of: shape)
      guard values.count == count else {
        throw BackpropError.shapeMismatch(
          context: "\(dtype.rawValue) tensor of shape \(shape)", expected: "\(count) values", found: "\(values.count)")
      }
      let size = Bits.bitWidth / 8
      assert(size == dtype.byteCount)
      let bytes = [UInt8](unsafeUninitializedCapacity: count * size) { buffer, initialized in
        for (i, value) in values.enumerated() {
          var bits = bitPattern(value)
          for k in 0..<size {
            buffer[i * size + k] = UInt8(truncatingIfNeeded: bits)
            bits >>= 8
          }
        }
        initialized = count * size
      }
      self.init(dtype: dtype, shape: shape, checkedBytes: bytes)
    }

    /// Reads the bytes back as little-endian words, whatever the machine's byte order.
    private func elements<Bits: FixedWidthInteger & UnsignedInteger>(_: Bits.Type) -> [Bits] {
      let size = Bits.bitWidth / 8
      return bytes.withUnsafeBufferPointer { bytes in
        (0..<(bytes.count / size)).map { i in
          var bits: Bits = 0
          for k in (0..<size).reversed() { bits = bits << 8 | Bits(bytes[i * size + k]) }
          return bits
        }
      }
    }

    /// The product of the dimensions; 1 for `[]`.
    static func elementCount(of shape: [Int]) throws -> Int {
      var count = 1
      for dimension in shape {
        guard dimension >= 0 else {
          throw BackpropError.invalidArgument(name: "shape", value: "\(shape)", expected: "no negative dimension")
        }
        let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
        guard !overflow else {
          throw BackpropError.invalidArgument(name: "shape", value: "\(shape)", expected: "at most \(Int.max) elements")
        }
        count = product
      }
      return count
    }
  }
}

// MARK: - Writing

extension Safetensors {
  /// The file's bytes: the header length, the header (tensors and metadata keys in UTF-8 byte order of their
  /// names, compact JSON, padded with spaces so the data starts at a multiple of 8), then each tensor's bytes in
  /// the same order, with no gaps.
  ///
  /// - Throws: `BackpropError.invalidArgument` when a tensor is named `__metadata__`, which the format reserves.
  /// - Complexity: O(total bytes).
  public func encoded() throws -> [UInt8] {
    guard tensors[Self.metadataKey] == nil else {
      throw BackpropError.invalidArgument(
        name: "tensor name", value: Self.metadataKey,
        expected: "any name but __metadata__, which safetensors reserves for the metadata")
    }
    let names = tensors.keys.sorted(by: utf8Precedes)
    var entries: [String] = []
    if !metadata.isEmpty {
      let pairs = metadata.keys.sorted(by: utf8Precedes).map {
        jsonStringLiteral($0) + ":" + jsonStringLiteral(metadata[$0]!)
      }
      entries.append(jsonStringLiteral(Self.metadataKey) + ":{" + pairs.joined(separator: ",") + "}")
    }
    var dataCount = 0
    for name in names {
      let tensor = tensors[name]!
      let begin = dataCount
      dataCount += tensor.bytes.count
      entries.append(
        jsonStringLiteral(name) + ":{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":["
          + tensor.shape.map(String.init).joined(separator: ",") + "],\"data_offsets\":[\(begin),\(dataCount)]}")
    }
    var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
    header += repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8)  // 8 + N ≡ N (mod 8)

    var file: [UInt8] = []
    file.reserveCapacity(8 + header.count + dataCount)
    var length = UInt64(header.count)
    for _ in 0..<8 {
      file.append(UInt8(truncatingIfNeeded: length))
      length >>= 8
    }
    file += header
    for name in names { file += tensors[name]!.bytes }
    return file
  }

  /// Writes ``encoded()`` to `path` atomically (see ``writeAtomically(_:to:)``): a reader sees the old file or the
  /// new one, never part of either.
  ///
  /// - Throws: ``ModelFileError/unwritable(file:reason:)`` when the file cannot be written (the old one is then
  ///   unchanged), `BackpropError` for a tensor named `__metadata__`.
  public func write(to path: String) throws {
    try writeAtomically(encoded(), to: path)
  }
}

/// Orders strings by their UTF-8 bytes, as the reference implementation (Rust) does, rather than by Swift's
/// Unicode-aware `<`, so the order is the same in every language that reads the spec.
func utf8Precedes(_ a: String, _ b: String) -> Bool {
  a.utf8.lexicographicallyPrecedes(b.utf8)
}

/// `text` as a JSON string literal, escaped exactly as the reference writer (Rust's serde_json) escapes it: `"` and
/// `\` with a backslash, U+0008, U+0009, U+000A, U+000C and U+000D as `\b \t \n \f \r`, other characters below
/// U+0020 as `\u00xx` (lowercase hex), everything else as raw UTF-8.
func jsonStringLiteral(_ text: String) -> String {
  var result = "\""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "\"": result += "\\\""
    case "\\": result += "\\\\"
    case "\u{08}": result += "\\b"
    case "\t": result += "\\t"
    case "\n": result += "\\n"
    case "\u{0C}": result += "\\f"
    case "\r": result += "\\r"
    case _ where scalar.value < 0x20:
      let hex = String(scalar.value, radix: 16)
      result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    default: result.unicodeScalars.append(scalar)
    }
  }
  return result + "\""
}

// MARK: - Reading

extension Safetensors {
  /// Reads and checks the safetensors file at `path` (see ``init(decoding:file:)``).
  ///
  /// - Throws: ``ModelFileError/unreadable(file:reason:)`` when the file cannot be read,
  ///   ``ModelFileError/malformed(_:expected:found:)`` when it is not a valid safetensors file.
  public static func read(from path: String) throws -> Safetensors {
    try Safetensors(decoding: readEntireFile(at: path), file: path)
  }

  /// Decodes a whole safetensors file, checking everything before trusting it.
  ///
  /// Rejected, each with the byte or tensor at fault: a file shorter than 8 bytes; a header length beyond the file
  /// or above ``maximumHeaderLength`` (checked before anything is allocated); a header that is not UTF-8 or not a
  /// JSON object starting with `{`; a tensor entry that is not an object, lacks `dtype`, `shape` or
  /// `data_offsets`, or has one of the wrong type; a dtype other than ``DType``'s; a negative dimension;
  /// data_offsets that are negative, reversed, outside the data section, or not shape × dtype size apart; tensors
  /// whose data overlap or leave bytes between them or after the last; `__metadata__` that is not an object of
  /// strings. Integers must be written as JSON integers (`24`, not `24.0`). Keys of a tensor entry other than the
  /// three are ignored, and `"__metadata__": null` reads as no metadata, as in the reference implementation.
  ///
  /// - Parameter file: the file's name, used only in error messages.
  /// - Throws: ``ModelFileError/malformed(_:expected:found:)``.
  /// - Complexity: O(bytes.count + t·log t) for t tensors.
  public init(decoding bytes: [UInt8], file: String) throws {
    func malformed(_ byteOffset: Int?, _ key: String? = nil, expected: String, found: String) -> ModelFileError {
      .malformed(.init(file: file, byteOffset: byteOffset, key: key), expected: expected, found: found)
    }

    // The length field, checked against the file before anything is allocated for the header.
    guard bytes.count >= 8 else {
      throw malformed(
        0, expected: "an 8-byte header length", found: "a \(bytes.count)-byte file (not a safetensors file?)")
    }
    let declaredLength = (0..<8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[$1]) }
    guard declaredLength <= UInt64(bytes.count - 8) else {
      throw malformed(
        0, expected: "a header length of at most \(byteCount(bytes.count - 8)) (the rest of the file)",
        found: "\(declaredLength) (the file is cut short, or not a safetensors file)")
    }
    guard declaredLength <= UInt64(Self.maximumHeaderLength) else {
      throw malformed(
        0, expected: "a header length of at most \(Self.maximumHeaderLength) bytes", found: "\(declaredLength)")
    }
    let n = Int(declaredLength)
    let header = bytes[8..<(8 + n)]
    let dataStart = 8 + n, dataCount = bytes.count - dataStart

    // The header: UTF-8, then a JSON object.
    if let bad = firstInvalidUTF8(header) {
      let hex = String(bytes[bad], radix: 16, uppercase: true)
      throw malformed(bad, expected: "a UTF-8 JSON header", found: "the byte 0x\(hex), which is not valid UTF-8")
    }
    guard header.first == UInt8(ascii: "{") else {
      let first = String(decoding: header.prefix(4), as: UTF8.self).unicodeScalars.first.map { quoted(String($0)) }
      throw malformed(8, expected: "a JSON object starting with '{'", found: first ?? "an empty header")
    }
    let object: [String: JSONValue]
    do {
      guard case let .object(entries) = JSONValue(try JSONSerialization.jsonObject(with: Data(header))) else {
        throw malformed(8, expected: "a JSON object", found: "another JSON value")
      }
      object = entries
    } catch let error as ModelFileError {
      throw error
    } catch {
      let reason = (error as NSError).userInfo["NSDebugDescription"] as? String ?? "\(error)"
      throw malformed(8, expected: "a JSON object", found: "invalid JSON (\(reason))")
    }

    // The metadata.
    var metadata: [String: String] = [:]
    switch object[Self.metadataKey] {
    case nil, .null?:
      break
    case let .object(pairs)?:
      for key in pairs.keys.sorted(by: utf8Precedes) {
        guard case let .string(value) = pairs[key]! else {
          throw malformed(nil, Self.metadataKey, expected: "\(quoted(key)) to be a string", found: "\(pairs[key]!)")
        }
        metadata[key] = value
      }
    case let value?:
      throw malformed(nil, Self.metadataKey, expected: "an object of string values", found: "\(value)")
    }

    // Each tensor entry on its own, in name order so the first error reported is always the same one.
    struct Entry {
      var name: String, dtype: DType, shape: [Int], begin: Int, end: Int
    }
    var entries: [Entry] = []
    for name in object.keys.sorted(by: utf8Precedes) where name != Self.metadataKey {
      func fail(_ expected: String, _ found: String, at offset: Int? = nil) -> ModelFileError {
        malformed(offset, name, expected: expected, found: found)
      }
      guard case let .object(fields) = object[name]! else {
        throw fail("an object with \"dtype\", \"shape\" and \"data_offsets\"", "\(object[name]!)")
      }
      func field(_ key: String) throws -> JSONValue {
        guard let value = fields[key] else { throw fail("a \(quoted(key)) entry", "none") }
        return value
      }

      let dtypeValue = try field("dtype")
      guard case let .string(dtypeName) = dtypeValue else { throw fail("\"dtype\" to be a string", "\(dtypeValue)") }
      guard let dtype = DType(rawValue: dtypeName) else {
        let names = DType.allCases.map(\.rawValue).joined(separator: ", ")
        throw fail("\"dtype\" to be one of \(names)", quoted(dtypeName))
      }

      let shapeValue = try field("shape")
      guard let shape = shapeValue.integers else { throw fail("\"shape\" to be an array of integers", "\(shapeValue)") }
      guard shape.allSatisfy({ $0 >= 0 }) else {
        throw fail("\"shape\" to have no negative dimension", "\(shapeValue)")
      }
      guard let count = try? Tensor.elementCount(of: shape),
        case let (byteCount, false) = count.multipliedReportingOverflow(by: dtype.byteCount)
      else {
        throw fail("a \"shape\" of at most \(Int.max) bytes of \(dtypeName)", "\(shapeValue)")
      }

      let offsetsValue = try field("data_offsets")
      guard let offsets = offsetsValue.integers, offsets.count == 2 else {
        throw fail("\"data_offsets\" to be two integers [begin, end]", "\(offsetsValue)")
      }
      let (begin, end) = (offsets[0], offsets[1])
      guard 0 <= begin, begin <= end else {
        throw fail("\"data_offsets\" [begin, end] with 0 ≤ begin ≤ end", "\(offsetsValue)")
      }
      let at = begin <= dataCount ? dataStart + begin : nil
      guard end - begin == byteCount else {
        throw fail(
          "\(byteCount) bytes of data (shape \(shape) of \(dtypeName), \(dtype.byteCount) bytes each)",
          "\(end - begin) (data_offsets [\(begin), \(end)])", at: at)
      }
      guard end <= dataCount else {
        throw fail(
          "data_offsets within the \(dataCount)-byte data section", "[\(begin), \(end)] (the file is cut short?)",
          at: at)
      }
      entries.append(Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
    }

    // Together the tensors must cover the data section exactly, each starting where the one before it ends.
    entries.sort {
      ($0.begin, $0.end) != ($1.begin, $1.end) ? ($0.begin, $0.end) < ($1.begin, $1.end) : utf8Precedes($0.name, $1.name)
    }
    var position = 0
    var previous: String? = nil
    for entry in entries {
      guard entry.begin == position else {
        throw malformed(
          dataStart + entry.begin, entry.name,
          expected: previous.map { "data to begin at offset \(position), where tensor \(quoted($0)) ends" }
            ?? "data to begin at offset 0, the start of the data section",
          found: entry.begin < position
            ? "\(entry.begin) (overlapping tensor \(quoted(previous!)))"
            : "\(entry.begin) (leaving a \(entry.begin - position)-byte gap)")
      }
      position = entry.end
      previous = entry.name
    }
    guard position == dataCount else {
      throw malformed(
        dataStart + position,
        expected: entries.isEmpty
          ? "no data after a header with no tensors" : "the file to end after the last tensor's data",
        found: "\(byteCount(dataCount - position)) more")
    }

    var tensors: [String: Tensor] = [:]
    for entry in entries {
      let data = Array(bytes[(dataStart + entry.begin)..<(dataStart + entry.end)])
      tensors[entry.name] = Tensor(dtype: entry.dtype, shape: entry.shape, checkedBytes: data)
    }
    self.init(tensors: tensors, metadata: metadata)
  }
}

/// "1 byte", "2 bytes".
func byteCount(_ count: Int) -> String {
  count == 1 ? "1 byte" : "\(count) bytes"
}

/// The offset of the first byte that does not belong to a well-formed UTF-8 sequence (no overlong forms, no
/// surrogates, nothing above U+10FFFF), or nil when all of `bytes` is valid UTF-8.
func firstInvalidUTF8(_ bytes: ArraySlice<UInt8>) -> Int? {
  var parser = Unicode.UTF8.ForwardParser()
  var iterator = bytes.makeIterator()
  var offset = bytes.startIndex
  while true {
    switch parser.parseScalar(from: &iterator) {
    case let .valid(scalar): offset += scalar.count
    case .error: return offset
    case .emptyInput: return nil
    }
  }
}

/// A JSON value as JSONSerialization parsed it, with integers told apart from other numbers (so `2.0` is not a
/// dimension) and true/false told apart from 1/0. `description` is a short rendering for error messages.
enum JSONValue: CustomStringConvertible {
  case null, bool(Bool), integer(Int), number(String), string(String)
  case array([JSONValue]), object([String: JSONValue])

  init(_ any: Any) {
    switch any {
    case let string as String: self = .string(string)
    case let number as NSNumber:
      // JSONSerialization records how it parsed a number in its Objective-C type code: "c" for true and false,
      // signed or unsigned integer codes for integers without fraction or exponent, "d" for everything else.
      switch String(cString: number.objCType) {
      case "c", "B": self = .bool(number.boolValue)
      case "q", "l", "i", "s": self = .integer(Int(number.int64Value))
      case "Q", "L", "I", "S", "C":
        self = Int(exactly: number.uint64Value).map { .integer($0) } ?? .number(number.description)
      default: self = .number(number.description)
      }
    case let array as [Any]: self = .array(array.map(JSONValue.init))
    case let object as [String: Any]: self = .object(object.mapValues(JSONValue.init))
    default: self = .null
    }
  }

  /// The elements when this is an array of integers.
  var integers: [Int]? {
    guard case let .array(elements) = self else { return nil }
    var integers: [Int] = []
    for element in elements {
      guard case let .integer(value) = element else { return nil }
      integers.append(value)
    }
    return integers
  }

  var description: String {
    switch self {
    case .null: "null"
    case let .bool(value): "\(value)"
    case let .integer(value): "\(value)"
    case let .number(text): text
    case let .string(text): quoted(text, limit: 40)
    case let .array(elements):
      "[" + elements.prefix(8).map(\.description).joined(separator: ", ") + (elements.count > 8 ? ", …]" : "]")
    case .object: "an object"
    }
  }
}

import Backprop
import Foundation
import Testing

@Suite("Safetensors")
struct SafetensorsTests {
  /// Tensors of every dtype with the bit patterns a careless encoder would change.
  static let sample = Safetensors(
    tensors: [
      "layers.0.weight": try! .init(
        floats: [1.5, -0.0, Float(bitPattern: 0x7FC0_1234), Float(bitPattern: 0x7F80_0001), .infinity, -.leastNonzeroMagnitude],
        shape: [2, 3]),
      "layers.0.bias": try! .init(doubles: [-0.0, Double(bitPattern: 0xFFF8_0000_DEAD_BEEF)], shape: [2]),
      "step": try! .init(int64s: [.min, -1, 0, .max], shape: [2, 2]),
      "generator": try! .init(uint64s: [0, 1, .max, 0x0123_4567_89AB_CDEF], shape: [4]),
      "mask": try! .init(dtype: .u8, shape: [3], bytes: [0, 128, 255]),
      "scalar": try! .init(doubles: [3], shape: []),
      "empty": try! .init(floats: [], shape: [4, 0]),
    ],
    metadata: ["format": "backprop", "format_version": "1", "note": "ünïcödé \"quoted\"\n"])

  // MARK: Round trips

  @Test("encoding then decoding gives back every tensor, bit for bit, and the metadata")
  func roundTrip() throws {
    let decoded = try Safetensors(decoding: Self.sample.encoded(), file: "sample.safetensors")
    #expect(decoded == Self.sample)
    let weight = try #require(decoded.tensors["layers.0.weight"]?.floats)
    #expect(weight.map(\.bitPattern) == [0x3FC0_0000, 0x8000_0000, 0x7FC0_1234, 0x7F80_0001, 0x7F80_0000, 0x8000_0001])
    let bias = try #require(decoded.tensors["layers.0.bias"]?.doubles)
    #expect(bias.map(\.bitPattern) == [0x8000_0000_0000_0000, 0xFFF8_0000_DEAD_BEEF])
    #expect(decoded.tensors["step"]?.int64s == [.min, -1, 0, .max])
    #expect(decoded.tensors["generator"]?.uint64s == [0, 1, .max, 0x0123_4567_89AB_CDEF])
    #expect(decoded.tensors["mask"]?.bytes == [0, 128, 255])
    #expect(decoded.tensors["scalar"]?.shape == [] && decoded.tensors["scalar"]?.doubles == [3])
    #expect(decoded.tensors["empty"]?.shape == [4, 0] && decoded.tensors["empty"]?.count == 0)
    #expect(decoded.metadata == Self.sample.metadata)
  }

  @Test("write then read through the file system gives the same value")
  func fileRoundTrip() throws {
    try withModelFileScratchDirectory { directory in
      let path = directory + "/model.safetensors"
      try Self.sample.write(to: path)
      #expect(try Safetensors.read(from: path) == Self.sample)
      #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["model.safetensors"])
    }
  }

  @Test("an empty file (no tensors, no metadata) round-trips as the 16 bytes of `{}` and padding")
  func emptyFile() throws {
    let bytes = try Safetensors().encoded()
    #expect(bytes == [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
    #expect(try Safetensors(decoding: bytes, file: "empty.safetensors") == Safetensors())
  }

  @Test("element bytes are little-endian whatever the machine")
  func littleEndian() throws {
    #expect(try Safetensors.Tensor(floats: [1], shape: [1]).bytes == [0x00, 0x00, 0x80, 0x3F])
    #expect(try Safetensors.Tensor(doubles: [1], shape: [1]).bytes == [0, 0, 0, 0, 0, 0, 0xF0, 0x3F])
    #expect(try Safetensors.Tensor(int64s: [-2], shape: [1]).bytes == [0xFE] + Array(repeating: 0xFF, count: 7))
    #expect(try Safetensors.Tensor(uint64s: [0x0102_0304_0506_0708], shape: [1]).bytes == [8, 7, 6, 5, 4, 3, 2, 1])
  }

  // MARK: Layout

  @Test("the header is padded with spaces so the data starts at a multiple of 8", arguments: 0..<16)
  func headerPadding(nameLength: Int) throws {
    let name = String(repeating: "w", count: nameLength)
    let bytes = try Safetensors(tensors: [name: .init(floats: [1, 2], shape: [2])]).encoded()
    let n = Int(littleEndianUInt64(bytes[0..<8]))
    #expect((8 + n) % 8 == 0)
    #expect(bytes.count == 8 + n + 8)
    let json = Array(bytes[8..<(8 + n)])
    let content = json.count - json.reversed().prefix { $0 == UInt8(ascii: " ") }.count
    #expect(json[content - 1] == UInt8(ascii: "}"))
    #expect(json.count - content < 8)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
    #expect(Array(object.keys) == [name])
  }

  @Test("the same tensors give the same bytes, whatever order they were added in")
  func deterministic() throws {
    var forward = Safetensors(metadata: ["b": "2", "a": "1"])
    var backward = Safetensors()
    let names = ["b", "a", "c.1", "c.0", "Z", "é"]
    for (i, name) in names.enumerated() { forward.tensors[name] = try .init(floats: [Float(i)], shape: [1]) }
    for (i, name) in names.enumerated().reversed() { backward.tensors[name] = try .init(floats: [Float(i)], shape: [1]) }
    backward.metadata = ["a": "1", "b": "2"]
    let bytes = try forward.encoded()
    #expect(bytes == (try backward.encoded()))
    #expect(bytes == (try forward.encoded()))
    // Header keys and data in UTF-8 byte order of the names: "Z" < "a" < "b" < "c.0" < "c.1" < "é".
    let header = String(decoding: bytes[8..<(8 + Int(littleEndianUInt64(bytes[0..<8])))], as: UTF8.self)
    #expect(header.hasPrefix(#"{"__metadata__":{"a":"1","b":"2"},"Z":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":"#))
    let data = try Safetensors(decoding: bytes, file: "x").tensors.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    #expect(data.map(\.key) == ["Z", "a", "b", "c.0", "c.1", "é"])
  }

  // MARK: The reference implementation's file

  /// `reference.safetensors` was written by Hugging Face's `safetensors` 0.8.0 (see `make_fixture.py` beside it).
  static var fixturePath: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("BackpropTestSupport/Fixtures/safetensors/reference.safetensors").path
  }

  static let fixtureName = "g.name \"quoted\" \\ / é\n\t\u{01}"

  @Test("reads the file the reference implementation wrote, every value bit for bit")
  func readsReferenceFile() throws {
    let file = try Safetensors.read(from: Self.fixturePath)
    #expect(file.metadata == ["format": "backprop test fixture v1"])
    #expect(Set(file.tensors.keys) == ["a.counts", "b.steps", "c.weight", "d.bias", "e.scale", "f.empty", Self.fixtureName])
    #expect(file.tensors["a.counts"]?.shape == [3])
    #expect(file.tensors["a.counts"]?.uint64s == [0, 1, .max])
    #expect(file.tensors["b.steps"]?.shape == [2, 2])
    #expect(file.tensors["b.steps"]?.int64s == [-1, .min, .max, 42])
    #expect(file.tensors["c.weight"]?.shape == [3, 2])
    #expect(file.tensors["c.weight"]?.doubles?.map(\.bitPattern) == [
      0x8000_0000_0000_0000, 0x7FF8_0000_0000_0001, 0x7FF0_0000_0000_0001, 1, 0x3FF0_0000_0000_0000, 0xFFF0_0000_0000_0000,
    ])
    #expect(file.tensors["d.bias"]?.shape == [2, 3])
    #expect(file.tensors["d.bias"]?.floats?.map(\.bitPattern) == [0x3FC0_0000, 0x8000_0000, 0xFFC0_1234, 0x7F80_0000, 1, 0x7F7F_FFFF])
    #expect(file.tensors["e.scale"]?.shape == [] && file.tensors["e.scale"]?.floats == [0.25])
    #expect(file.tensors["f.empty"]?.shape == [2, 0] && file.tensors["f.empty"]?.dtype == .u8)
    #expect(file.tensors["f.empty"]?.bytes == [])
    #expect(file.tensors[Self.fixtureName]?.bytes == [0, 127, 255])
  }

  @Test("encodes the same tensors into exactly the reference implementation's bytes")
  func matchesReferenceBytes() throws {
    let expected = try Array(Data(contentsOf: URL(fileURLWithPath: Self.fixturePath)))
    #expect(expected.count == 671)
    let file = Safetensors(
      tensors: [
        "a.counts": try .init(uint64s: [0, 1, .max], shape: [3]),
        "b.steps": try .init(int64s: [-1, .min, .max, 42], shape: [2, 2]),
        "c.weight": try .init(
          doubles: [0x8000_0000_0000_0000, 0x7FF8_0000_0000_0001, 0x7FF0_0000_0000_0001, 1, 0x3FF0_0000_0000_0000,
                    0xFFF0_0000_0000_0000].map(Double.init(bitPattern:)),
          shape: [3, 2]),
        "d.bias": try .init(
          floats: [0x3FC0_0000, 0x8000_0000, 0xFFC0_1234, 0x7F80_0000, 1, 0x7F7F_FFFF].map(Float.init(bitPattern:)),
          shape: [2, 3]),
        "e.scale": try .init(floats: [0.25], shape: []),
        "f.empty": try .init(dtype: .u8, shape: [2, 0], bytes: []),
        Self.fixtureName: try .init(dtype: .u8, shape: [3], bytes: [0, 127, 255]),
      ],
      metadata: ["format": "backprop test fixture v1"])
    let bytes = try file.encoded()
    #expect(bytes == expected)
    if bytes != expected, let i = bytes.indices.first(where: { $0 >= expected.count || bytes[$0] != expected[$0] }) {
      Issue.record("first difference at byte \(i): \(String(decoding: bytes[i...].prefix(40), as: UTF8.self))")
    }
  }

  // MARK: Building tensors

  @Test("a tensor whose values do not fill its shape is refused")
  func tensorCountMismatch() {
    #expect(throws: BackpropError.shapeMismatch(context: "F32 tensor of shape [2, 3]", expected: "6 values", found: "5")) {
      try Safetensors.Tensor(floats: [1, 2, 3, 4, 5], shape: [2, 3])
    }
    #expect(throws: BackpropError.shapeMismatch(context: "U8 tensor of shape [2]", expected: "2 × 1 bytes", found: "3 bytes")) {
      try Safetensors.Tensor(dtype: .u8, shape: [2], bytes: [1, 2, 3])
    }
    #expect(throws: BackpropError.invalidArgument(name: "shape", value: "[2, -3]", expected: "no negative dimension")) {
      try Safetensors.Tensor(doubles: [], shape: [2, -3])
    }
  }

  @Test("each accessor answers only for its own dtype")
  func accessorsByDType() throws {
    let tensor = try Safetensors.Tensor(doubles: [1, 2], shape: [2])
    #expect(tensor.doubles == [1, 2])
    #expect(tensor.floats == nil && tensor.int64s == nil && tensor.uint64s == nil)
    #expect(Safetensors.DType.allCases.map(\.byteCount) == [4, 8, 8, 8, 1])
  }

  @Test("a tensor named __metadata__ cannot be encoded")
  func reservedName() throws {
    let file = Safetensors(tensors: ["__metadata__": try .init(floats: [1], shape: [1])])
    #expect(throws: BackpropError.self) { try file.encoded() }
  }

  // MARK: Rejected files

  @Test("a file shorter than the length field")
  func rejectsShortFile() {
    expectRejection([1, 2, 3, 4, 5], "model.safetensors, byte 0: expected an 8-byte header length, found a 5-byte file (not a safetensors file?)")
  }

  @Test("a header length beyond the end of the file, even 2^40, is refused before anything is allocated")
  func rejectsHeaderLengthBeyondFile() {
    expectRejection(
      le(1 << 40) + Array("{}".utf8),
      "model.safetensors, byte 0: expected a header length of at most 2 bytes (the rest of the file), found 1099511627776 (the file is cut short, or not a safetensors file)")
    expectRejection(
      le(.max) + [],
      "model.safetensors, byte 0: expected a header length of at most 0 bytes (the rest of the file), found 18446744073709551615 (the file is cut short, or not a safetensors file)")
  }

  @Test("a header length above 100 MB")
  func rejectsHugeHeader() {
    var bytes = [UInt8](repeating: 0x20, count: 8 + 100_000_008)
    bytes.replaceSubrange(0..<8, with: le(100_000_001))
    expectRejection(bytes, "model.safetensors, byte 0: expected a header length of at most 100000000 bytes, found 100000001")
  }

  @Test("a header that is not UTF-8")
  func rejectsInvalidUTF8() {
    // 0xC0 0xAF is an overlong "/", which UTF-8 forbids.
    expectRejection(
      le(6) + [UInt8(ascii: "{"), UInt8(ascii: "\""), 0xC0, 0xAF, UInt8(ascii: "\""), UInt8(ascii: "}")],
      "model.safetensors, byte 10: expected a UTF-8 JSON header, found the byte 0xC0, which is not valid UTF-8")
  }

  @Test("a header that is not a JSON object", arguments: [
    ("[1, 2]", #"model.safetensors, byte 8: expected a JSON object starting with '{', found "[""#),
    ("", "model.safetensors, byte 8: expected a JSON object starting with '{', found an empty header"),
    (" {}", #"model.safetensors, byte 8: expected a JSON object starting with '{', found " ""#),
    (#"{"w": }"#, "model.safetensors, byte 8: expected a JSON object, found invalid JSON"),
    (#"{"w": {}} x"#, "model.safetensors, byte 8: expected a JSON object, found invalid JSON"),
  ])
  func rejectsNonObjectHeader(header: String, message: String) {
    expectRejection(file(header: header), message, prefixOnly: message.hasSuffix("invalid JSON"))
  }

  @Test("a tensor entry without dtype, shape or data_offsets", arguments: [
    (#"{"w": 3}"#, #"expected an object with "dtype", "shape" and "data_offsets", found 3"#),
    (#"{"w": [1]}"#, #"expected an object with "dtype", "shape" and "data_offsets", found [1]"#),
    (#"{"w": {"shape": [1], "data_offsets": [0, 4]}}"#, #"expected a "dtype" entry, found none"#),
    (#"{"w": {"dtype": "F32", "data_offsets": [0, 4]}}"#, #"expected a "shape" entry, found none"#),
    (#"{"w": {"dtype": "F32", "shape": [1]}}"#, #"expected a "data_offsets" entry, found none"#),
  ])
  func rejectsIncompleteEntry(header: String, message: String) {
    expectRejection(file(header: header, data: [0, 0, 0, 0]), #"model.safetensors, tensor "w": "# + message)
  }

  @Test("a tensor entry with a field of the wrong type", arguments: [
    (#""dtype": 3, "shape": [1], "data_offsets": [0, 4]"#, #"expected "dtype" to be a string, found 3"#),
    (#""dtype": "F32", "shape": "1", "data_offsets": [0, 4]"#, #"expected "shape" to be an array of integers, found "1""#),
    (#""dtype": "F32", "shape": [1.0], "data_offsets": [0, 4]"#, #"expected "shape" to be an array of integers, found [1.0]"#),
    (#""dtype": "F32", "shape": [true], "data_offsets": [0, 4]"#, #"expected "shape" to be an array of integers, found [true]"#),
    (#""dtype": "F32", "shape": [1], "data_offsets": [0]"#, #"expected "data_offsets" to be two integers [begin, end], found [0]"#),
    (#""dtype": "F32", "shape": [1], "data_offsets": {"begin": 0}"#, #"expected "data_offsets" to be two integers [begin, end], found an object"#),
    (#""dtype": "F32", "shape": [1], "data_offsets": [4, 0]"#, #"expected "data_offsets" [begin, end] with 0 ≤ begin ≤ end, found [4, 0]"#),
    (#""dtype": "F32", "shape": [1], "data_offsets": [-4, 0]"#, #"expected "data_offsets" [begin, end] with 0 ≤ begin ≤ end, found [-4, 0]"#),
  ])
  func rejectsWrongType(fields: String, message: String) {
    expectRejection(file(header: #"{"w": {"# + fields + "}}", data: [0, 0, 0, 0]), #"model.safetensors, tensor "w": "# + message)
  }

  @Test("a dtype Backprop does not read")
  func rejectsUnknownDType() {
    expectRejection(
      file(header: #"{"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
      #"model.safetensors, tensor "w": expected "dtype" to be one of F32, F64, I64, U64, U8, found "BF16""#)
  }

  @Test("a negative dimension, or a shape too large to address")
  func rejectsBadShape() {
    expectRejection(
      file(header: #"{"w": {"dtype": "F32", "shape": [2, -1], "data_offsets": [0, 0]}}"#),
      #"model.safetensors, tensor "w": expected "shape" to have no negative dimension, found [2, -1]"#)
    expectRejection(
      file(header: #"{"w": {"dtype": "F64", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}}"#),
      #"model.safetensors, tensor "w": expected a "shape" of at most 9223372036854775807 bytes of F64, found [4294967296, 4294967296]"#)
  }

  @Test("data_offsets that do not span shape × dtype size")
  func rejectsSizeMismatch() {
    let header = #"{"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}}"#
    expectRejection(
      file(header: header, data: Array(repeating: 0, count: 20)),
      #"model.safetensors, byte \#(8 + header.utf8.count), tensor "w": expected 24 bytes of data (shape [2, 3] of F32, 4 bytes each), found 20 (data_offsets [0, 20])"#)
  }

  @Test("data_offsets beyond the end of the data section")
  func rejectsOffsetsOutsideData() {
    let header = #"{"w": {"dtype": "F64", "shape": [2], "data_offsets": [8, 24]}}"#
    expectRejection(
      file(header: header, data: Array(repeating: 0, count: 16)),
      #"model.safetensors, byte \#(8 + header.utf8.count + 8), tensor "w": expected data_offsets within the 16-byte data section, found [8, 24] (the file is cut short?)"#)
    let far = #"{"w": {"dtype": "U8", "shape": [1], "data_offsets": [9223372036854775806, 9223372036854775807]}}"#
    expectRejection(
      file(header: far, data: [0]),
      #"model.safetensors, tensor "w": expected data_offsets within the 1-byte data section, found [9223372036854775806, 9223372036854775807] (the file is cut short?)"#)
  }

  @Test("tensors whose data overlap")
  func rejectsOverlap() {
    let header = #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#
    expectRejection(
      file(header: header, data: Array(repeating: 0, count: 12)),
      #"model.safetensors, byte \#(8 + header.utf8.count + 4), tensor "b": expected data to begin at offset 8, where tensor "a" ends, found 4 (overlapping tensor "a")"#)
  }

  @Test("bytes that belong to no tensor: a hole between tensors, before the first, or after the last")
  func rejectsHoles() {
    let gap = #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}"#
    expectRejection(
      file(header: gap, data: Array(repeating: 0, count: 12)),
      #"model.safetensors, byte \#(8 + gap.utf8.count + 8), tensor "b": expected data to begin at offset 4, where tensor "a" ends, found 8 (leaving a 4-byte gap)"#)
    let late = #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#
    expectRejection(
      file(header: late, data: Array(repeating: 0, count: 8)),
      #"model.safetensors, byte \#(8 + late.utf8.count + 4), tensor "a": expected data to begin at offset 0, the start of the data section, found 4 (leaving a 4-byte gap)"#)
    let trailing = #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#
    expectRejection(
      file(header: trailing, data: Array(repeating: 0, count: 7)),
      "model.safetensors, byte \(8 + trailing.utf8.count + 4): expected the file to end after the last tensor's data, found 3 bytes more")
    expectRejection(
      file(header: "{}", data: [1]),
      "model.safetensors, byte 10: expected no data after a header with no tensors, found 1 byte more")
  }

  @Test("__metadata__ that is not an object of strings")
  func rejectsBadMetadata() throws {
    expectRejection(
      file(header: #"{"__metadata__": ["a"]}"#),
      #"model.safetensors, __metadata__: expected an object of string values, found ["a"]"#)
    expectRejection(
      file(header: #"{"__metadata__": {"format": "backprop", "epoch": 3}}"#),
      #"model.safetensors, __metadata__: expected "epoch" to be a string, found 3"#)
    #expect(try Safetensors(decoding: file(header: #"{"__metadata__": null}"#), file: "x") == Safetensors())
  }

  @Test("a file that cannot be read names the path and the system's reason")
  func unreadable() throws {
    try withModelFileScratchDirectory { directory in
      #expect(throws: ModelFileError.unreadable(file: directory + "/missing.safetensors", reason: "No such file or directory")) {
        try Safetensors.read(from: directory + "/missing.safetensors")
      }
      #expect(throws: ModelFileError.unreadable(file: directory, reason: "Is a directory")) {
        try Safetensors.read(from: directory)
      }
      let path = directory + "/cut.safetensors"
      let whole = try Self.sample.encoded()
      try writeAtomically(Array(whole.dropLast(3)), to: path)
      let error = #expect(throws: ModelFileError.self) { try Safetensors.read(from: path) }
      #expect(error?.description.hasPrefix(path + ", byte ") == true)
    }
  }
}

// MARK: - Helpers

/// `value` as 8 little-endian bytes, written out independently of the code under test.
private func le(_ value: UInt64) -> [UInt8] {
  (0..<8).map { UInt8((value >> (8 * UInt64($0))) & 0xFF) }
}

private func littleEndianUInt64(_ bytes: ArraySlice<UInt8>) -> UInt64 {
  bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
}

/// A hand-assembled file: the length, `header` unpadded, then `data`.
private func file(header: String, data: [UInt8] = []) -> [UInt8] {
  le(UInt64(header.utf8.count)) + Array(header.utf8) + data
}

/// Expects decoding `bytes` as `model.safetensors` to throw `ModelFileError.malformed` whose description is
/// `message` (or starts with it, for messages that end in the JSON parser's own words).
private func expectRejection(
  _ bytes: [UInt8], _ message: String, prefixOnly: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
) {
  do {
    _ = try Safetensors(decoding: bytes, file: "model.safetensors")
    Issue.record("decoded without error; expected: \(message)", sourceLocation: sourceLocation)
  } catch let error as ModelFileError {
    guard case .malformed = error else {
      Issue.record("expected .malformed, got \(error)", sourceLocation: sourceLocation)
      return
    }
    if prefixOnly {
      #expect(error.description.hasPrefix(message), sourceLocation: sourceLocation)
    } else {
      #expect(error.description == message, sourceLocation: sourceLocation)
    }
  } catch {
    Issue.record("expected ModelFileError, got \(error)", sourceLocation: sourceLocation)
  }
}

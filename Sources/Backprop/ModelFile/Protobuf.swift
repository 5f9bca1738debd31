/// A protocol buffers writer: just enough of the wire format to write a message, field by field, in the order the
/// fields are appended (https://protobuf.dev/programming-guides/encoding/).
///
/// Every field starts with a key, the varint `field << 3 | wire type`; then comes its value:
///
///     wire type 0 (varint)            int32, int64, uint64, enum, bool: 7 bits a byte, least significant group
///                                     first, the high bit set on every byte but the last (300 is AC 02).
///                                     A negative int64 is its two's complement, so it takes 10 bytes.
///     wire type 2 (length-delimited)  string (UTF-8), bytes, an embedded message, a packed repeated number:
///                                     the length in bytes as a varint, then the bytes.
///     wire type 5 (32-bit)            float: its IEEE 754 bits, least significant byte first.
///
/// A packed repeated int64 is one length-delimited field holding the varints back to back; readers accept it for
/// a repeated int64 field whether or not the schema marks it packed.
struct ProtobufWriter {
  enum WireType: UInt64 {
    case varint = 0
    case lengthDelimited = 2
    case fixed32 = 5
  }

  private(set) var bytes: [UInt8] = []

  /// `value` as a varint, without a key.
  mutating func appendVarint(_ value: UInt64) {
    var value = value
    while value >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
      value >>= 7
    }
    bytes.append(UInt8(value))
  }

  mutating func appendKey(_ field: Int, _ wireType: WireType) {
    appendVarint(UInt64(field) << 3 | wireType.rawValue)
  }

  /// An int64 (or int32, or enum) field.
  mutating func int64(_ field: Int, _ value: Int64) {
    appendKey(field, .varint)
    appendVarint(UInt64(bitPattern: value))
  }

  /// A float field: 4 bytes, little-endian.
  mutating func float(_ field: Int, _ value: Float) {
    appendKey(field, .fixed32)
    withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
  }

  /// A bytes field.
  mutating func bytes(_ field: Int, _ value: [UInt8]) {
    appendKey(field, .lengthDelimited)
    appendVarint(UInt64(value.count))
    bytes.append(contentsOf: value)
  }

  /// A string field, in UTF-8.
  mutating func string(_ field: Int, _ value: String) {
    bytes(field, Array(value.utf8))
  }

  /// An embedded message field, written by `body` into a writer of its own.
  mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
    var inner = ProtobufWriter()
    body(&inner)
    bytes(field, inner.bytes)
  }

  /// A repeated int64 field, packed; nothing at all when `values` is empty.
  mutating func packedInt64s(_ field: Int, _ values: [Int64]) {
    guard !values.isEmpty else { return }
    var inner = ProtobufWriter()
    for value in values { inner.appendVarint(UInt64(bitPattern: value)) }
    bytes(field, inner.bytes)
  }
}

/// Files built from fuzz inputs, so that mutations reach past the checksums and length fields that random bytes
/// almost never get right.

/// Gzip members holding the input, made with stored deflate blocks and damaged as the first byte says.
enum GzipMaker {
  /// The first byte's low 3 bits pick what is done to the member holding the rest of the input; the next byte
  /// picks where (a fraction of the length): 0 intact, 1 cut short, 2 a wrong CRC, 3 a wrong length (ISIZE)
  /// claiming 4 GiB, 4 split into two members, 5 followed by zero padding, 6 followed by other bytes, 7 the rest
  /// of the input taken as raw deflate data after a gzip header.
  static func gzip(from input: [UInt8]) -> [UInt8] {
    guard input.count >= 2 else { return input }
    let mode = input[0] & 7, payload = Array(input.dropFirst(2))
    let at = payload.count * Int(input[1]) / 256
    switch mode {
    case 1: return Array(member(payload).prefix(10 + at))
    case 2:
      var bytes = member(payload)
      bytes[bytes.count - 8] ^= 0xFF
      return bytes
    case 3:
      var bytes = member(payload)
      for i in bytes.count - 4 ..< bytes.count { bytes[i] = 0xFF }
      return bytes
    case 4: return member(Array(payload[..<at])) + member(Array(payload[at...]))
    case 5: return member(payload) + [UInt8](repeating: 0, count: Int(input[1]))
    case 6: return member(payload) + payload.prefix(Int(input[1]) % 8 + 1)
    case 7: return header + payload
    default: return member(payload)
    }
  }

  /// gzip's fixed header: magic, deflate, no flags, no time, no extra flags, unknown OS.
  private static let header: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]

  /// One gzip member: the header, `data` in stored blocks of at most 65 535 bytes, CRC-32 and length.
  private static func member(_ data: [UInt8]) -> [UInt8] {
    var bytes = header
    var start = 0
    repeat {
      let end = min(start + 65_535, data.count), length = end - start
      bytes += [end == data.count ? 1 : 0, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8 & 0xFF)]
      bytes += data[start..<end]
      start = end
    } while start < data.count
    return bytes + littleEndian(crc32(data)) + littleEndian(UInt32(truncatingIfNeeded: data.count))
  }

  private static func littleEndian(_ value: UInt32) -> [UInt8] {
    (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
  }

  private static let crcTable: [UInt32] = (0..<256).map { n in
    (0..<8).reduce(UInt32(n)) { c, _ in c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
  }

  private static func crc32(_ bytes: [UInt8]) -> UInt32 {
    ~bytes.reduce(~UInt32(0)) { c, byte in crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
  }
}

/// The length field of a safetensors file.
enum SafetensorsHeader {
  /// Sets the 8-byte little-endian header length to the length of the JSON object that starts at byte 8 (found by
  /// matching braces outside strings), when there is one.
  static func fixLength(_ file: inout [UInt8]) {
    guard file.count > 8, file[8] == UInt8(ascii: "{") else { return }
    var depth = 0, inString = false, escaped = false
    for i in 8..<file.count {
      let byte = file[i]
      if inString {
        if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
        continue
      }
      switch byte {
      case UInt8(ascii: "\""): inString = true
      case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        depth -= 1
        if depth == 0 {
          let length = UInt64(i - 7)
          for k in 0..<8 { file[k] = UInt8(truncatingIfNeeded: length >> (8 * UInt64(k))) }
          return
        }
      default: break
      }
    }
  }
}

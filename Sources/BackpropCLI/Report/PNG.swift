import Foundation

/// Small images for the report, as PNG files a browser shows without any library: 8-bit grey or RGB pixels in
/// zlib's "stored" (uncompressed) blocks, which every decoder reads, so no compressor is needed.
enum PNG {
  /// `pixels` row after row: one byte per pixel (`channels` 1, grey) or three (RGB).
  static func encode(width: Int, height: Int, channels: Int, pixels: [UInt8]) -> [UInt8] {
    precondition(pixels.count == width * height * channels && (channels == 1 || channels == 3))
    var raw: [UInt8] = []
    raw.reserveCapacity(height * (width * channels + 1))
    for row in 0..<height {
      raw.append(0)  // filter: none
      raw += pixels[(row * width * channels)..<((row + 1) * width * channels)]
    }
    var zlib: [UInt8] = [0x78, 0x01]
    var start = 0
    repeat {
      let length = min(65_535, raw.count - start), last = start + length == raw.count
      zlib += [last ? 1 : 0, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
      zlib += raw[start..<(start + length)]
      start += length
    } while start < raw.count
    zlib += bigEndian(adler32(raw))
    var header = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
    header += [8, channels == 1 ? 0 : 2, 0, 0, 0]
    return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", zlib) + chunk("IEND", [])
  }

  /// The image as a `data:` URL for an `<img>` or SVG `<image>`.
  static func dataURL(width: Int, height: Int, channels: Int, pixels: [UInt8]) -> String {
    "data:image/png;base64," + Data(encode(width: width, height: height, channels: channels, pixels: pixels)).base64EncodedString()
  }

  private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let body = Array(type.utf8) + data
    return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
  }

  private static func bigEndian(_ x: UInt32) -> [UInt8] { [UInt8(x >> 24), UInt8((x >> 16) & 0xFF), UInt8((x >> 8) & 0xFF), UInt8(x & 0xFF)] }

  private static func adler32(_ bytes: [UInt8]) -> UInt32 {
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in bytes {
      a = (a + UInt32(byte)) % 65_521
      b = (b + a) % 65_521
    }
    return b << 16 | a
  }

  private static let crcTable: [UInt32] = (0..<256).map { n in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
  }

  private static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
    return c ^ 0xFFFF_FFFF
  }
}

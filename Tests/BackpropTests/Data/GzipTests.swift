@_spi(Testing) import Backprop
import Foundation
import Testing

@Suite("Gzip")
struct GzipTests {
  let gzipped = DataFixtures.path("idx/t10k-labels-idx1-ubyte.gz")
  let plain = DataFixtures.path("idx/train-labels-idx1-ubyte")

  @Test("inflates what Python's gzip module wrote")
  func inflates() throws {
    let inflated = try Gzip.inflate(DataFixtures.bytes("idx/t10k-labels-idx1-ubyte.gz"), file: gzipped)
    #expect(inflated == (try DataFixtures.bytes("idx/train-labels-idx1-ubyte")))
  }

  @Test("a missing zlib is an error that says what to do, not a crash")
  func missingZlib() throws {
    let bytes = try DataFixtures.bytes("idx/t10k-labels-idx1-ubyte.gz")
    #expect(
      dataErrorMessage { try Gzip.inflate(bytes, file: "labels.gz", libraryNames: ["/nonexistent/libz.so.1"]) }
        == "labels.gz: cannot read: gzip needs the system zlib (libz.so.1), which was not found; install zlib1g or gunzip the file")
  }

  @Test("zero bytes after the last member are padding")
  func zeroPadding() throws {
    let bytes = try DataFixtures.bytes("idx/t10k-labels-idx1-ubyte.gz") + [0, 0, 0, 0]
    #expect(try Gzip.inflate(bytes, file: "labels.gz") == (try DataFixtures.bytes("idx/train-labels-idx1-ubyte")))
  }

  // MARK: Malformed gzip data, read through the IDX reader

  /// The message of reading `bytes`, written to a temporary file, as IDX labels.
  private func message(_ bytes: [UInt8]) throws -> (String?, String) {
    let directory = try DataScratchDirectory()
    let file = try directory.write(bytes, to: "labels.gz")
    return (dataErrorMessage { try IDXReader.read(images: DataFixtures.path("idx/train-images-idx3-ubyte"), labels: file) }, file)
  }

  @Test("gzip data that ends early gives the offset where it ends")
  func truncated() throws {
    let bytes = try DataFixtures.bytes("idx/t10k-labels-idx1-ubyte.gz")
    for kept in [2, 10, 20, bytes.count - 4] {
      let (text, file) = try message(Array(bytes.prefix(kept)))
      #expect(text == "\(file), byte \(kept): expected more gzip data, found the end of the file (the file ends early)")
    }
  }

  @Test("corrupt gzip data gives the compressed offset zlib reached and its message")
  func corrupt() throws {
    let good = try DataFixtures.bytes("idx/t10k-labels-idx1-ubyte.gz")
    // zlib reads ahead a few bytes, so the offset is where it stopped: at or after the bad byte, in the file.
    for (index, zlibMessage) in [(good.count - 8, "incorrect data check"), (2, "unknown compression method")] {
      var bytes = good
      bytes[index] ^= 0x0F  // the CRC-32 of the inflated data; the compression method (8 is deflate)
      let (text, file) = try message(bytes)
      let parts = text?.split(separator: ":", maxSplits: 1).map(String.init) ?? []
      let offset = parts.first.flatMap { $0.hasPrefix("\(file), byte ") ? Int($0.dropFirst("\(file), byte ".count)) : nil }
      #expect(parts.last == " expected valid gzip data, found corrupt data (zlib: \(zlibMessage))", "\(text ?? "no error")")
      #expect(offset.map { (index + 1)...bytes.count ~= $0 } == true, "\(text ?? "no error")")
    }
  }

  @Test("bytes after the last member that are not another member are an error")
  func trailingGarbage() throws {
    let bytes = try DataFixtures.bytes("idx/t10k-labels-idx1-ubyte.gz")
    let (text, file) = try message(bytes + Array("junk".utf8))
    #expect(text == "\(file), byte \(bytes.count): expected the end of the file or another gzip member, found 4 more bytes")
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
internal import CBackpropZlib

/// Inflating gzip data with the system zlib, which is opened with `dlopen` at first use so that Backprop builds
/// with the Swift toolchain alone (see `Sources/CBackpropZlib/README.md`).
///
/// The data readers call `DataFile.contents(of:)`, which inflates any file that starts with gzip's magic number 1f 8b,
/// whatever its name. Concatenated gzip members (as `cat a.gz b.gz` makes) are inflated one after another, and
/// zero bytes after the last member (padding) are ignored. Where zlib is missing, inflating throws
/// `DataError.unreadable` saying so; it never traps.
///
/// Internal; the SPI lets tests point it at a zlib that does not exist.
@_spi(Testing) public enum Gzip {
  /// The names tried with `dlopen`, in order.
  static var systemLibraryNames: [String] {
    #if canImport(Darwin)
      return ["/usr/lib/libz.1.dylib", "/usr/lib/libz.dylib", "libz.dylib"]
    #else
      return ["libz.so.1", "libz.so"]
    #endif
  }

  /// Whether `bytes` start with gzip's magic number, 1f 8b.
  static func isGzip(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
  }

  /// The inflated content of the gzip (or zlib) data `data`, read from `file`.
  ///
  /// - Parameters:
  ///   - libraryNames: the zlib to `dlopen`, for tests; nil for the system's.
  /// - Throws: `DataError.unreadable` when zlib cannot be loaded or runs out of memory; `DataError.malformed` at
  ///   the compressed byte offset zlib had reached when the data is corrupt, ends early, or is followed by bytes
  ///   that are not another gzip member.
  @_spi(Testing) public static func inflate(_ data: [UInt8], file: String, libraryNames: [String]? = nil) throws
    -> [UInt8]
  {
    let zlib = libraryNames.map { Zlib(names: $0) } ?? Zlib.system
    guard let zlib else {
      throw DataError.unreadable(
        file: file,
        reason: "gzip needs the system zlib (libz.so.1), which was not found; install zlib1g or gunzip the file")
    }
    // The last member's ISIZE (its length mod 2^32) sizes the output, so one member needs one allocation. A
    // corrupt ISIZE must not allocate much, so the guess stays below 64 times the input (MNIST's ratio is 4.8);
    // past it the output grows by doubling.
    var capacity = 1 << 16
    if data.count >= 18 {
      let n = data.count
      let isize = Int(data[n - 4]) | Int(data[n - 3]) << 8 | Int(data[n - 2]) << 16 | Int(data[n - 1]) << 24
      capacity = min(isize + 1, max(1 << 16, data.count.multipliedReportingOverflow(by: 64).partialValue))
    }
    return try data.withUnsafeBufferPointer { input in
      var inflater = try Inflater(zlib: zlib, input: input, file: file)
      defer { inflater.end() }
      var pieces: [[UInt8]] = []
      var total = 0
      while !inflater.finished {
        let piece = try [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
          count = try inflater.fill(buffer)
        }
        total += piece.count
        if !piece.isEmpty { pieces.append(piece) }
        capacity = max(1 << 16, total)
      }
      if pieces.count == 1 { return pieces[0] }
      var output: [UInt8] = []
      output.reserveCapacity(total)
      for piece in pieces { output += piece }
      return output
    }
  }
}

/// One inflation in progress: the zlib stream (at a fixed address, as zlib checks) and the input it reads.
private struct Inflater {
  let zlib: Zlib
  let input: UnsafeBufferPointer<UInt8>
  let file: String
  let stream: UnsafeMutablePointer<bp_z_stream>
  /// Whether the last gzip member has ended.
  private(set) var finished = false
  private var open = false

  init(zlib: Zlib, input: UnsafeBufferPointer<UInt8>, file: String) throws {
    self.zlib = zlib
    self.input = input
    self.file = file
    stream = .allocate(capacity: 1)
    do {
      try start(at: 0)
    } catch {
      stream.deallocate()
      throw error
    }
  }

  /// The compressed offset zlib has read up to.
  private var position: Int {
    guard let next = stream.pointee.next_in, let base = input.baseAddress else { return 0 }
    return next - base
  }

  /// Starts a gzip member at byte `offset` of the input.
  private mutating func start(at offset: Int) throws {
    // 15 + 32: a 32 KiB window, and a gzip or zlib header detected from the data.
    let status = bp_zlib_inflate_init(zlib.library, stream, 15 + 32)
    guard status == BP_Z_OK else {
      throw DataError.unreadable(file: file, reason: "zlib \(zlib.version) could not start inflating (error \(status))")
    }
    open = true
    stream.pointee.next_in = input.baseAddress.map { UnsafePointer($0 + offset) }
    stream.pointee.avail_in = 0
  }

  /// Frees zlib's state and the stream.
  mutating func end() {
    if open { _ = bp_zlib_inflate_end(zlib.library, stream) }
    open = false
    stream.deallocate()
  }

  /// Inflates into `out` until it is full or the data ends; returns the number of bytes written.
  mutating func fill(_ out: UnsafeMutableBufferPointer<UInt8>) throws -> Int {
    var written = 0
    while written < out.count && !finished {
      let room = min(out.count - written, Int(UInt32.max))
      stream.pointee.next_out = out.baseAddress! + written
      stream.pointee.avail_out = UInt32(room)
      if stream.pointee.avail_in == 0 {
        stream.pointee.avail_in = UInt32(min(input.count - position, Int(UInt32.max)))
      }
      let status = bp_zlib_inflate(zlib.library, stream, BP_Z_NO_FLUSH)
      written += room - Int(stream.pointee.avail_out)
      let inputEnded = stream.pointee.avail_in == 0 && position == input.count
      switch status {
      case BP_Z_OK:
        if inputEnded && stream.pointee.avail_out > 0 { throw truncated() }
      case BP_Z_STREAM_END:
        try endMember()
      case BP_Z_BUF_ERROR where inputEnded:
        throw truncated()
      case BP_Z_DATA_ERROR:
        let message = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
        throw DataError.malformed(
          InputLocation(file: file, byteOffset: position), expected: "valid gzip data",
          found: "corrupt data (zlib: \(message))")
      case BP_Z_NEED_DICT:
        throw DataError.malformed(
          InputLocation(file: file, byteOffset: position), expected: "gzip data",
          found: "zlib data that needs a preset dictionary")
      case BP_Z_MEM_ERROR:
        throw DataError.unreadable(file: file, reason: "zlib ran out of memory inflating the gzip data")
      default:
        throw DataError.unreadable(file: file, reason: "zlib \(zlib.version) failed with error \(status)")
      }
    }
    return written
  }

  /// After a member's end: the end of the input, another gzip member, zero padding, or an error.
  private mutating func endMember() throws {
    let offset = position
    let rest = input[offset...]
    if rest.count >= 2 && rest[offset] == 0x1f && rest[offset + 1] == 0x8b {
      _ = bp_zlib_inflate_end(zlib.library, stream)
      open = false
      try start(at: offset)
    } else if rest.allSatisfy({ $0 == 0 }) {
      finished = true
    } else {
      throw DataError.malformed(
        InputLocation(file: file, byteOffset: offset), expected: "the end of the file or another gzip member",
        found: IDXReader.byteCount(rest.count, more: true))
    }
  }

  private func truncated() -> DataError {
    .malformed(
      InputLocation(file: file, byteOffset: input.count), expected: "more gzip data",
      found: "the end of the file (the file ends early)")
  }
}

/// The system zlib: a `dlopen` handle and the functions found in it.
///
/// `@unchecked Sendable` because `library` points at the handle and function pointers, which are written once in
/// `init` and never changed, and zlib's functions may be called from any thread on separate streams.
final class Zlib: @unchecked Sendable {
  /// The zlib every reader uses, opened at first use; nil when it cannot be found.
  static let system: Zlib? = Zlib(names: Gzip.systemLibraryNames)

  let library: UnsafeMutablePointer<bp_zlib>
  /// The name that was loaded, such as "libz.so.1".
  let name: String
  /// zlib's own version, such as "1.2.13".
  let version: String

  /// Opens the first of `names` that is a zlib; nil when none is.
  init?(names: [String]) {
    let library = UnsafeMutablePointer<bp_zlib>.allocate(capacity: 1)
    let cNames = names.map { strdup($0) }
    defer { for name in cNames { free(name) } }
    let index = cNames.map { UnsafePointer($0) }.withUnsafeBufferPointer {
      bp_zlib_open(library, $0.baseAddress, Int32(names.count))
    }
    guard index >= 0 else {
      library.deallocate()
      return nil
    }
    self.library = library
    self.name = names[Int(index)]
    self.version = String(cString: bp_zlib_version(library))
  }

  deinit {
    bp_zlib_close(library)
    library.deallocate()
  }
}

// MARK: Reading files

/// Reading a data file's bytes, inflated when the file is gzip.
enum DataFile {
  /// The content of the file at `path`, inflated when it starts with gzip's magic number (whatever its name).
  ///
  /// - Throws: `DataError.unreadable` when the file cannot be opened or read, or zlib is missing;
  ///   `DataError.malformed` for corrupt gzip data.
  static func contents(of path: String) throws -> [UInt8] {
    let bytes = try rawContents(of: path)
    return Gzip.isGzip(bytes) ? try Gzip.inflate(bytes, file: path) : bytes
  }

  /// The bytes of the file at `path`, as stored.
  static func rawContents(of path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw DataError.unreadable(file: path, reason: reason(errno)) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw DataError.unreadable(file: path, reason: reason(errno)) }
    guard Int(info.st_mode) & Int(S_IFMT) != Int(S_IFDIR) else {
      throw DataError.unreadable(file: path, reason: "it is a directory, not a file")
    }
    // The size fstat reports, then whatever follows (a file that grew, or one in /proc that reports 0).
    var bytes = try [UInt8](unsafeUninitializedCapacity: max(Int(info.st_size), 0)) { buffer, count in
      count = try readFully(fd, into: buffer, path: path)
    }
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = try chunk.withUnsafeMutableBufferPointer { try readFully(fd, into: $0, path: path) }
      bytes += chunk[..<n]
      if n < chunk.count { return bytes }
    }
  }

  /// Whether `path` names an existing file (or anything else that is not a directory).
  static func isFile(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && Int(info.st_mode) & Int(S_IFMT) != Int(S_IFDIR)
  }

  /// Whether `path` names an existing directory.
  static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && Int(info.st_mode) & Int(S_IFMT) == Int(S_IFDIR)
  }

  /// Reads until `buffer` is full or the file ends; returns the number of bytes read.
  private static func readFully(_ fd: Int32, into buffer: UnsafeMutableBufferPointer<UInt8>, path: String) throws
    -> Int
  {
    var count = 0
    while count < buffer.count {
      let n = read(fd, buffer.baseAddress! + count, min(buffer.count - count, 1 << 30))
      if n > 0 {
        count += n
      } else if n == 0 {
        break
      } else if errno != EINTR {
        throw DataError.unreadable(file: path, reason: reason(errno))
      }
    }
    return count
  }

  /// The reason an `errno` gives, in words.
  static func reason(_ code: Int32) -> String {
    switch code {
    case ENOENT: return "the file does not exist"
    case EACCES: return "permission denied"
    case EISDIR: return "it is a directory, not a file"
    default: return String(cString: strerror(code))
    }
  }
}

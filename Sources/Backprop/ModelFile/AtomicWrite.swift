#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `bytes` to `path` so that a reader, or the next run after a crash or power cut, finds either the file
/// that was there before or the complete new one, never a mixture or a truncated file.
///
/// The steps: create `.NAME.tmp-<pid>-<random>` in the same directory (a rename is atomic only within one file
/// system), write everything to it, flush it to the disk (`fsync`; `F_FULLFSYNC` on Apple platforms), rename it
/// over `path`, then flush the directory so the rename itself survives a power cut. If any step before the rename
/// fails, the temporary file is removed and the old file is untouched. The directory flush is best effort: some
/// file systems refuse `fsync` on a directory, and by then the new file is complete and in place.
///
/// A process killed mid-write (SIGKILL, out of memory) leaves its temporary file behind; the next successful write
/// of the same `path` removes such files whose process is no longer running.
///
/// A new file gets the default permissions (0666 less the umask). When `path` is a symbolic link, the link itself
/// is replaced.
///
/// - Throws: ``ModelFileError/unwritable(file:reason:)`` with the system's reason, e.g.
///   `out/model.safetensors: cannot write: No such file or directory`.
public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
  try writeAtomically(bytes, to: path, simulatingFailureAt: nil)
}

/// A step of ``writeAtomically(_:to:)`` that tests can make fail, to check that each failure cleans up.
enum AtomicWriteStep: CaseIterable {
  case create, write, sync, close, rename
}

/// ``writeAtomically(_:to:)``, failing with EIO at `failingStep` as if the system had refused it.
func writeAtomically(_ bytes: [UInt8], to path: String, simulatingFailureAt failingStep: AtomicWriteStep?) throws {
  func failure(_ code: Int32) -> ModelFileError {
    .unwritable(file: path, reason: String(cString: strerror(code)))
  }
  let (directory, name) = splitPath(path)
  guard !name.isEmpty else {
    throw ModelFileError.unwritable(file: path, reason: "the path names a directory, not a file")
  }
  let random = String(UInt64.random(in: .min ... .max), radix: 16)
  let temporary = directory + temporaryPrefix(name) + "\(getpid())-\(random)"

  let fd = failingStep == .create ? -1 : open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
  guard fd >= 0 else { throw failure(failingStep == .create ? EIO : errno) }
  var closed = false
  func abandon(_ code: Int32) -> ModelFileError {
    if !closed { _ = close(fd) }
    _ = unlink(temporary)
    return failure(code)
  }

  // write(2) may write less than asked (a signal, a full pipe) or fail with EINTR; both just mean "go on".
  let written: Int32? = bytes.withUnsafeBytes { buffer in
    if failingStep == .write { return EIO }
    var offset = 0
    while offset < buffer.count {
      let chunk = min(buffer.count - offset, 1 << 30)  // Darwin rejects single writes over INT_MAX bytes
      let n = write(fd, buffer.baseAddress! + offset, chunk)
      if n < 0 {
        if errno == EINTR { continue }
        return errno
      }
      offset += n
    }
    return nil
  }
  if let code = written { throw abandon(code) }

  if failingStep == .sync { throw abandon(EIO) }
  if let code = flushToDisk(fd) { throw abandon(code) }

  // After close(2) fails the descriptor is gone whatever the error (EINTR included), so it is never retried.
  let closeFailure: Int32? = close(fd) == 0 || errno == EINTR ? nil : errno
  closed = true
  if failingStep == .close { throw abandon(EIO) }
  if let code = closeFailure { throw abandon(code) }

  if failingStep == .rename || rename(temporary, path) != 0 { throw abandon(failingStep == .rename ? EIO : errno) }

  let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
  if directoryFD >= 0 {
    _ = flushToDisk(directoryFD)
    _ = close(directoryFD)
  }
  removeAbandonedWrites(of: path)
}

/// Removes the temporary files that ``writeAtomically(_:to:)`` calls for `path` left when their process was
/// killed before the rename (`.NAME.tmp-PID-…` whose process PID no longer runs). Files of running processes,
/// this one's included, stay. Every successful write does this; call it where a program may end without writing,
/// such as a resumed run that has nothing left to do.
public func removeAbandonedWrites(of path: String) {
  let (directory, name) = splitPath(path)
  let prefix = temporaryPrefix(name)
  guard let listing = opendir(directory.isEmpty ? "." : directory) else { return }
  defer { closedir(listing) }
  // Only up to the name's terminating zero: readdir's records are as long as their names, not sizeof(dirent).
  let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
  while let entry = readdir(listing) {
    let name = String(cString: (UnsafeRawPointer(entry) + nameOffset).assumingMemoryBound(to: CChar.self))
    guard name.hasPrefix(prefix), let pid = Int32(name.dropFirst(prefix.count).prefix { $0 != "-" }),
          pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
    _ = unlink(directory + name)
  }
}

/// `fsync`, retried on EINTR; on Apple platforms `F_FULLFSYNC` first, because there `fsync` stops at the drive's
/// cache. Returns the errno of a failure, or nil.
private func flushToDisk(_ fd: Int32) -> Int32? {
  #if canImport(Darwin)
  if fcntl(fd, F_FULLFSYNC) == 0 { return nil }
  #endif
  while fsync(fd) != 0 {
    if errno != EINTR { return errno }
  }
  return nil
}

/// `.NAME.tmp-`, how the temporary files for the file NAME begin; a long NAME is not repeated, so the names stay
/// within NAME_MAX (255 bytes).
private func temporaryPrefix(_ name: String) -> String {
  "." + (name.utf8.count <= 200 ? name : "backprop") + ".tmp-"
}

/// `("out/", "model.safetensors")` for `out/model.safetensors`, `("", "model.safetensors")` for a bare name: the
/// directory part keeps its trailing slash so the temporary file's path is `directory + "." + name + …`.
private func splitPath(_ path: String) -> (directory: String, name: String) {
  guard let slash = path.lastIndex(of: "/") else { return ("", path) }
  return (String(path[...slash]), String(path[path.index(after: slash)...]))
}

// MARK: - Reading

/// The whole content of the file at `path`.
///
/// - Throws: ``ModelFileError/unreadable(file:reason:)`` with the system's reason.
func readEntireFile(at path: String) throws -> [UInt8] {
  func failure(_ code: Int32) -> ModelFileError {
    .unreadable(file: path, reason: String(cString: strerror(code)))
  }
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  guard fd >= 0 else { throw failure(errno) }
  defer { _ = close(fd) }

  var bytes: [UInt8] = []
  var info = stat()
  if fstat(fd, &info) == 0 { bytes.reserveCapacity(Int(info.st_size)) }
  var chunk = [UInt8](repeating: 0, count: 1 << 20)
  while true {
    let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    if n < 0 {
      if errno == EINTR { continue }
      throw failure(errno)
    }
    if n == 0 { return bytes }
    bytes += chunk[0..<n]
  }
}

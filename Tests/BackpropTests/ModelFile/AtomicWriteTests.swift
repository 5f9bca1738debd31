@testable import Backprop
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Atomic write")
struct AtomicWriteTests {
  @Test("creates the file with exactly the bytes and leaves nothing else")
  func createsFile() throws {
    try withModelFileScratchDirectory { directory in
      let path = directory + "/model.safetensors"
      try writeAtomically([1, 2, 3], to: path)
      #expect(try contents(path) == [1, 2, 3])
      #expect(try listing(directory) == ["model.safetensors"])
    }
  }

  @Test("replaces an existing file, longer or shorter, and leaves nothing else")
  func replacesFile() throws {
    try withModelFileScratchDirectory { directory in
      let path = directory + "/model.safetensors"
      try writeAtomically(Array(repeating: 7, count: 1000), to: path)
      try writeAtomically([9, 8], to: path)
      #expect(try contents(path) == [9, 8])
      try writeAtomically([], to: path)
      #expect(try contents(path) == [])
      #expect(try listing(directory) == ["model.safetensors"])
    }
  }

  @Test("removes the temporary files of killed writers of the same file, and only those")
  func removesAbandonedTemporaries() throws {
    try withModelFileScratchDirectory { directory in
      let path = directory + "/model.safetensors"
      // No process has PID Int32.max (Linux caps PIDs at 2^22; Darwin lower), so its writer is gone.
      let abandoned = ".model.safetensors.tmp-\(Int32.max)-1f2e", running = ".model.safetensors.tmp-1-3c4d"
      let ours = ".model.safetensors.tmp-\(getpid())-5a6b", otherFile = ".other.safetensors.tmp-\(Int32.max)-7e8f"
      for name in [abandoned, running, ours, otherFile] {
        #expect(FileManager.default.createFile(atPath: directory + "/" + name, contents: Data([1, 2])))
      }
      try writeAtomically([3], to: path)
      #expect(try listing(directory) == [running, ours, otherFile, "model.safetensors"].sorted())
    }
  }

  @Test("writes several megabytes in full")
  func largeFile() throws {
    try withModelFileScratchDirectory { directory in
      let path = directory + "/big.bin"
      let bytes = (0..<(5 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
      try writeAtomically(bytes, to: path)
      #expect(try contents(path) == bytes)
    }
  }

  @Test("a missing directory throws with the path and the reason, and creates nothing")
  func missingDirectory() throws {
    try withModelFileScratchDirectory { directory in
      let path = directory + "/out/model.safetensors"
      #expect(throws: ModelFileError.unwritable(file: path, reason: "No such file or directory")) {
        try writeAtomically([1], to: path)
      }
      #expect(
        ModelFileError.unwritable(file: "out/model.safetensors", reason: "No such file or directory").description
          == "out/model.safetensors: cannot write: No such file or directory")
      let left = try listing(directory)
      #expect(left == [])
    }
  }

  @Test("a failure at any step leaves the old file byte for byte and no temporary file", arguments: AtomicWriteStep.allCases)
  func failureKeepsOldFile(step: AtomicWriteStep) throws {
    try withModelFileScratchDirectory { directory in
      let path = directory + "/model.safetensors"
      let old: [UInt8] = Array("the previous model".utf8)
      try writeAtomically(old, to: path)
      #expect(throws: ModelFileError.unwritable(file: path, reason: String(cString: strerror(EIO)))) {
        try writeAtomically(Array(repeating: 0xAB, count: 4096), to: path, simulatingFailureAt: step)
      }
      #expect(try contents(path) == old)
      #expect(try listing(directory) == ["model.safetensors"])
    }
  }

  @Test("a destination that is a directory fails at the rename and leaves no temporary file")
  func destinationIsDirectory() throws {
    try withModelFileScratchDirectory { directory in
      let path = directory + "/model.safetensors"
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
      try writeAtomically([1], to: path + "/inside")
      let error = #expect(throws: ModelFileError.self) { try writeAtomically([2], to: path) }
      #expect(error?.description.hasPrefix(path + ": cannot write: ") == true)
      #expect(try listing(directory) == ["model.safetensors"])
      #expect(try contents(path + "/inside") == [1])
    }
  }

  @Test("a path that ends in a slash names no file")
  func trailingSlash() throws {
    try withModelFileScratchDirectory { directory in
      #expect(throws: ModelFileError.unwritable(file: directory + "/", reason: "the path names a directory, not a file")) {
        try writeAtomically([1], to: directory + "/")
      }
    }
  }

  @Test("an unwritable directory throws Permission denied", .enabled(if: getuid() != 0, "root may write anywhere"))
  func permissionDenied() throws {
    try withModelFileScratchDirectory { directory in
      let locked = directory + "/locked"
      try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
      try writeAtomically([1], to: locked + "/model.safetensors")
      chmod(locked, 0o555)
      defer { chmod(locked, 0o755) }
      #expect(throws: ModelFileError.unwritable(file: locked + "/model.safetensors", reason: "Permission denied")) {
        try writeAtomically([2], to: locked + "/model.safetensors")
      }
      #expect(try contents(locked + "/model.safetensors") == [1])
      #expect(try listing(locked) == ["model.safetensors"])
    }
  }
}

// MARK: - Helpers

/// Runs `body` with the path of a new, empty directory, and removes the directory afterwards.
func withModelFileScratchDirectory(_ body: (String) throws -> Void) throws {
  let path = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-modelfile-\(UUID().uuidString)").path
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
  defer { try? FileManager.default.removeItem(atPath: path) }
  try body(path)
}

private func contents(_ path: String) throws -> [UInt8] {
  try Array(Data(contentsOf: URL(fileURLWithPath: path)))
}

private func listing(_ directory: String) throws -> [String] {
  try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
}

// backprop-fuzz: the fuzz targets of Backprop's parsers (docs/reliability.md).
//
//   backprop-fuzz TARGET FILE|DIR...        replays each input once through TARGET (any build)
//   Scripts/fuzz.sh TARGET SECONDS          builds it with coverage and AddressSanitizer, then fuzzes with libFuzzer
//
// A target passes an input when Backprop reads it or throws one of its own errors naming the file; a trap, a
// sanitizer report, a hang or an unexpected error type is a finding.
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
  let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
  FileHandle.standardError.write(Data("usage: backprop-fuzz \(names) FILE|DIR...\n".utf8))
  exit(64)
}
FuzzTarget.selected = target

#if FUZZING
  // libFuzzer's driver, linked from the toolchain's libclang_rt.fuzzer_no_main by Scripts/fuzz.sh. It gets the
  // arguments after the target name, so its flags and corpus folders work as usual.
  @_silgen_name("LLVMFuzzerRunDriver")
  func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
  ) -> CInt

  var driverArguments = [arguments[0]] + arguments.dropFirst(2)
  var cArguments = driverArguments.map { strdup($0) } + [nil]
  var argc = CInt(driverArguments.count)
  let status = cArguments.withUnsafeMutableBufferPointer { buffer in
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
    return LLVMFuzzerRunDriver(&argc, &argv) { data, count in
      FuzzTarget.selected.run(UnsafeRawBufferPointer(start: data, count: count))
      return 0
    }
  }
  exit(status)
#else
  var inputs: [String] = []
  for path in arguments.dropFirst(2) {
    guard FileManager.default.fileExists(atPath: path) else {
      FileHandle.standardError.write(Data("backprop-fuzz: \(path): no such file or folder\n".utf8))
      exit(66)
    }
    if FileManager.default.isDirectory(path) {
      let names = (try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? []
      inputs += names.sorted().map { path + "/" + $0 }.filter { !FileManager.default.isDirectory($0) }
    } else {
      inputs.append(path)
    }
  }
  for input in inputs {
    let bytes = try Data(contentsOf: URL(fileURLWithPath: input))
    bytes.withUnsafeBytes { target.run($0) }
  }
  print("backprop-fuzz \(target.rawValue): \(inputs.count) input\(inputs.count == 1 ? "" : "s") replayed, none crashed")
#endif

extension FileManager {
  func isDirectory(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    return fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
  }
}

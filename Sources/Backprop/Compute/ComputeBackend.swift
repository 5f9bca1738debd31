#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
internal import CBackpropBLAS
import CBackpropKernels

/// Where the `Float` matrix products run: Backprop's own kernels (the default), OpenBLAS, or Apple's Accelerate.
///
/// Neither library is needed to build or to run Backprop. OpenBLAS and Accelerate are opened with `dlopen` the
/// first time they are asked about (``available``, ``isAvailable``, ``description``, ``select(_:)``), and selecting
/// one that cannot be loaded throws ``ComputeBackendError``. The choice is process-wide and applies to every
/// `Float` product from then on (`Double` products always run the plain-Swift reference); each product reads it
/// with one atomic load of the selected function (beside a counter, almost always 0, of the per-thread selections
/// tests make) and allocates nothing for it.
///
/// ```swift
/// try ComputeBackend.select(.openblas)   // throws where OpenBLAS is not installed
/// print(ComputeBackend.current)          // "OpenBLAS 0.3.21 Haswell"
/// ```
///
/// **Reproducibility.** The native kernels sum every element in the same order on every instruction set and with
/// any ``ComputeThreads/count``, so a run gives the same bits everywhere. OpenBLAS and Accelerate promise none of
/// that: their results may change in the last bits with the thread count, the CPU (the kernels they pick) and the
/// library's version, so a training run on them is only reproducible on the same machine and settings, and a run
/// resumed with another backend does not end on the bits of an uninterrupted one. The results agree with the
/// native kernels' within rounding.
///
/// **Threads.** Setting ``ComputeThreads/count`` also sets OpenBLAS's thread count (`openblas_set_num_threads`)
/// once OpenBLAS has been selected, and ``select(_:)`` passes it the current count. Accelerate picks its own.
public enum ComputeBackend: String, Sendable, CaseIterable, CustomStringConvertible {
  /// Backprop's own C kernels (packed GEMM, AVX2/FMA where the CPU has it): the default, and the same bits for any
  /// thread count and instruction set.
  case native
  /// OpenBLAS's `cblas_sgemm`, from `libopenblas.so.0` (or `libopenblas.so`; on macOS `libopenblas.dylib` or
  /// Homebrew's) found at run time.
  case openblas
  /// Accelerate's `cblas_sgemm`, on Apple platforms only.
  case accelerate

  // MARK: Choosing

  /// The backend the `Float` products use now: ``native`` until ``select(_:)`` chooses another.
  public static var current: ComputeBackend { ComputeBackend(id: bp_blas_selected()) }

  /// The backends this process can select: ``native`` always, ``openblas`` where its library loads, ``accelerate``
  /// on Apple platforms. Asking loads the libraries (once).
  public static var available: [ComputeBackend] { allCases.filter(\.isAvailable) }

  /// Makes `backend` the one every `Float` matrix product in the process uses from now on.
  ///
  /// Selecting OpenBLAS also sets its thread count to ``ComputeThreads/count``. Products already running finish on
  /// the backend they started with.
  ///
  /// - Throws: ``ComputeBackendError/libraryNotFound(backend:tried:)`` when the library cannot be loaded (naming
  ///   the files tried), ``ComputeBackendError/unsupportedPlatform(backend:)`` for Accelerate elsewhere than on
  ///   Apple platforms. The selection is then unchanged.
  public static func select(_ backend: ComputeBackend) throws {
    guard let library = try backend.library() else {
      bp_blas_select(0, nil)
      return
    }
    bp_blas_select(backend.id, library.library)
    bp_blas_set_threads(bp_threads())
  }

  /// Runs `body` with `backend` selected on the calling thread only, whatever the process-wide choice; for tests
  /// that must not change the products of tests running beside them. The library keeps its own thread count
  /// (OpenBLAS's default: `OPENBLAS_NUM_THREADS`, else every core), untouched by ``ComputeThreads``. Not nested.
  static func withSelected<Result>(_ backend: ComputeBackend, onThisThread body: () throws -> Result) throws -> Result {
    let library = try backend.library()
    bp_blas_select_on_thread(backend.id, library?.library)
    defer { bp_blas_select_on_thread_end() }
    return try body()
  }

  // MARK: Describing

  /// Whether ``select(_:)`` would succeed: ``native`` always; the others when their library loads.
  public var isAvailable: Bool { self == .native || (try? library()) != nil }

  /// What runs the products, for people: "native (avx2)", "OpenBLAS 0.3.21 Haswell" (its version and the CPU
  /// kernels it picked), "Accelerate"; for a library that cannot be loaded, "OpenBLAS (not found)" or
  /// "Accelerate (Apple platforms only)".
  public var description: String {
    switch self {
    case .native:
      return "native (\(ComputeThreads.instructionSet))"
    case .openblas:
      return BLASLibrary.openBLAS?.description ?? "OpenBLAS (not found)"
    case .accelerate:
      #if canImport(Darwin)
        return BLASLibrary.accelerate == nil ? "Accelerate (not found)" : "Accelerate"
      #else
        return "Accelerate (Apple platforms only)"
      #endif
    }
  }

  /// The files `dlopen` is given for this backend, in order; empty for ``native``.
  public var libraryNames: [String] {
    switch self {
    case .native:
      return []
    case .openblas:
      #if canImport(Darwin)
        return [
          "libopenblas.dylib", "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
          "/usr/local/opt/openblas/lib/libopenblas.dylib",
        ]
      #else
        return ["libopenblas.so.0", "libopenblas.so"]
      #endif
    case .accelerate:
      #if canImport(Darwin)
        return [
          "/System/Library/Frameworks/Accelerate.framework/Accelerate",
          "/System/Library/Frameworks/Accelerate.framework/Versions/A/Frameworks/vecLib.framework/Versions/A/libBLAS.dylib",
        ]
      #else
        return []
      #endif
    }
  }

  // MARK: Internals

  /// The number the C selection stores.
  var id: Int32 {
    switch self {
    case .native: 0
    case .openblas: 1
    case .accelerate: 2
    }
  }

  init(id: Int32) {
    self = switch id {
    case 1: .openblas
    case 2: .accelerate
    default: .native
    }
  }

  /// The loaded library; nil for ``native``.
  func library() throws -> BLASLibrary? {
    switch self {
    case .native:
      return nil
    case .openblas:
      guard let library = BLASLibrary.openBLAS else {
        throw ComputeBackendError.libraryNotFound(backend: self, tried: libraryNames)
      }
      return library
    case .accelerate:
      #if canImport(Darwin)
        guard let library = BLASLibrary.accelerate else {
          throw ComputeBackendError.libraryNotFound(backend: self, tried: libraryNames)
        }
        return library
      #else
        throw ComputeBackendError.unsupportedPlatform(backend: self)
      #endif
    }
  }
}

/// Why a ``ComputeBackend`` cannot be selected.
public enum ComputeBackendError: Error, Sendable, Equatable, CustomStringConvertible {
  /// None of the files `tried` could be opened with `dlopen` (or none that opened had `cblas_sgemm`).
  case libraryNotFound(backend: ComputeBackend, tried: [String])
  /// The backend exists only on other platforms: Accelerate only on Apple's.
  case unsupportedPlatform(backend: ComputeBackend)

  public var description: String {
    switch self {
    case let .libraryNotFound(backend, tried):
      let install = backend == .openblas
        ? "; install it (Debian and Ubuntu: apt-get install libopenblas0-pthread; macOS: brew install openblas)" : ""
      return "\(backend.rawValue): could not load \(backend == .openblas ? "OpenBLAS" : "Accelerate") (tried "
        + "\(tried.joined(separator: ", ")))\(install)"
    case let .unsupportedPlatform(backend):
      return "\(backend.rawValue): Accelerate exists only on Apple platforms"
    }
  }
}

/// A CBLAS library opened with `dlopen`: the handle and the functions found in it.
///
/// `@unchecked Sendable` because `library` points at the handle and function pointers, which are written once in
/// `init` and never changed. A library is never closed: the selection may hold its `cblas_sgemm` on any thread.
final class BLASLibrary: @unchecked Sendable {
  /// OpenBLAS, opened at first use; nil when it cannot be found.
  static let openBLAS: BLASLibrary? = BLASLibrary(names: ComputeBackend.openblas.libraryNames, plainName: "OpenBLAS")
  /// Accelerate, opened at first use; nil when it cannot be found (always, except on Apple platforms).
  static let accelerate: BLASLibrary? = BLASLibrary(
    names: ComputeBackend.accelerate.libraryNames, plainName: "Accelerate")

  let library: UnsafeMutablePointer<bp_blas>
  /// The name that was loaded, such as "libopenblas.so.0".
  let name: String
  /// "OpenBLAS 0.3.21 Haswell" (from openblas_get_config and openblas_get_corename), or the plain name for a
  /// library without them.
  let description: String

  /// Opens the first of `names` that has `cblas_sgemm`; nil when none does. `plainName` describes a library that
  /// cannot describe itself (Accelerate).
  init?(names: [String], plainName: String) {
    guard !names.isEmpty else { return nil }
    let library = UnsafeMutablePointer<bp_blas>.allocate(capacity: 1)
    let cNames = names.map { strdup($0) }
    defer { for name in cNames { free(name) } }
    let index = cNames.map { UnsafePointer($0) }.withUnsafeBufferPointer {
      bp_blas_open(library, $0.baseAddress, Int32(names.count))
    }
    guard index >= 0 else {
      library.deallocate()
      return nil
    }
    self.library = library
    self.name = names[Int(index)]
    guard let config = library.pointee.get_config.flatMap({ $0() }).map({ String(cString: $0) }) else {
      description = plainName
      return
    }
    // "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64": the name and version, then the core.
    var words = config.split(separator: " ").prefix(2).map(String.init)
    if let core = library.pointee.get_corename.flatMap({ $0() }).map({ String(cString: $0) }), !core.isEmpty {
      words.append(core)
    }
    description = words.joined(separator: " ")
  }
}

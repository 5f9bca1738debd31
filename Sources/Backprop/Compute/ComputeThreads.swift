internal import CBackpropBLAS
import CBackpropKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How many threads Backprop's kernels use. Large matrix products and optimizer updates are split into parts
/// that never share an output element, so results are the same bits for any count.
///
/// Once OpenBLAS has been selected (``ComputeBackend/openblas``), setting the count sets OpenBLAS's as well
/// (`openblas_set_num_threads`). OpenBLAS does not promise the same bits for every count.
public enum ComputeThreads {
  /// The threads in use, the calling thread included. 1 until set.
  public static var count: Int {
    get { Int(bp_threads()) }
    set {
      let threads = Int32(max(1, min(newValue, 64)))
      bp_set_threads(threads)
      bp_blas_set_threads(threads)
    }
  }

  /// The instruction set of the kernels in use: "avx2" or "generic".
  public static var instructionSet: String { String(cString: bp_isa_name(bp_isa_active())) }

  /// The processors online: the default of the command line's `--threads`.
  public static var available: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

@testable import Backprop

extension Kernels {
  /// The oracle for every product kernel: C = α·op(A)·op(B) + β·C straight from the definition, in Swift, each C[i, j]
  /// started at β·C[i, j] (0 when β is 0, so garbage in C, even NaN, does not leak in) and then summed over p in order
  /// with (α·A[i, p])·B[p, j]. `bp_dgemm` does exactly these operations (the tests compare bits); the `Float` kernels
  /// sum in other orders and with fused multiply-adds, so their tests compare within rounding bounds.
  static func referenceGemm<T: BackpropScalar>(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: T, a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
    beta: T, c: UnsafeMutablePointer<T>, ldc: Int
  ) {
    for i in 0..<m {
      for j in 0..<n {
        var sum = beta == 0 ? 0 : beta * c[i * ldc + j]
        for p in 0..<k {
          let aip = transposeA ? a[p * lda + i] : a[i * lda + p]
          let bpj = transposeB ? b[j * ldb + p] : b[p * ldb + j]
          sum += alpha * aip * bpj
        }
        c[i * ldc + j] = sum
      }
    }
  }
}

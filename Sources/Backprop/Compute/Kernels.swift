internal import CBackpropBLAS
import CBackpropKernels

/// The few loops every pass is made of, on raw row-major buffers: matrix products, bias broadcast, row sums.
///
/// `Float` matrix products run in the C target `CBackpropKernels` (packed, AVX2/FMA where the CPU has it, the same
/// bits on every path), or in OpenBLAS or Accelerate when ``ComputeBackend/select(_:)`` chose one; `Double` ones,
/// used for gradient checks and worked examples, run `bp_dgemm`'s plain loops (each C[i, j] summed over p in order,
/// no fused multiply-adds), which give the bits of the plain-Swift ``referenceGemm`` the tests hold every path to.
///
/// Every matrix argument is a base pointer plus a leading dimension (the distance between rows), as in BLAS.
enum Kernels {
  /// C = α·op(A)·op(B) + β·C, where op(X) is X or Xᵀ; op(A) is m × k, op(B) is k × n and C is m × n.
  /// When β is 0, C is overwritten without being read.
  @inline(__always)
  static func gemm<T: BackpropScalar>(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: T, a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
    beta: T, c: UnsafeMutablePointer<T>, ldc: Int
  ) {
    if T.self == Float.self {
      // One atomic load: the selected library's cblas_sgemm, or nil for the own kernels. Shapes that CBLAS would
      // reject (an empty dimension, a leading dimension below the width; it would print an error and return)
      // stay on the own kernels, which handle them.
      if let sgemm = bp_blas_active_sgemm(), m > 0, n > 0, k > 0, lda >= (transposeA ? m : k),
        ldb >= (transposeB ? k : n), ldc >= n
      {
        sgemm(
          BP_CBLAS_ROW_MAJOR, transposeA ? BP_CBLAS_TRANS : BP_CBLAS_NO_TRANS,
          transposeB ? BP_CBLAS_TRANS : BP_CBLAS_NO_TRANS, Int32(m), Int32(n), Int32(k),
          unsafeBitCast(alpha, to: Float.self), UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), Int32(lda),
          UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), Int32(ldb), unsafeBitCast(beta, to: Float.self),
          UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(ldc))
        return
      }
      bp_sgemm(
        transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), unsafeBitCast(alpha, to: Float.self),
        UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), Int32(lda),
        UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), Int32(ldb), unsafeBitCast(beta, to: Float.self),
        UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(ldc))
      return
    }
    if T.self == Double.self {
      bp_dgemm(
        transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), Double(alpha),
        UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), Int32(lda),
        UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), Int32(ldb), Double(beta),
        UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(ldc))
      return
    }
    referenceGemm(
      transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
      beta: beta, c: c, ldc: ldc)
  }

  /// C = α·op(A)·op(B) + β·C straight from the definition, in Swift: each C[i, j] started at β·C[i, j] (0 when β is
  /// 0, so garbage in C, even NaN, does not leak in) and then summed over p in order with (α·A[i, p])·B[p, j].
  /// The product for a scalar type that has no kernel, and the oracle the kernels are tested against: `bp_dgemm`
  /// does exactly these operations (the tests compare bits); the `Float` kernels sum in other orders and with fused
  /// multiply-adds, so their tests compare within rounding bounds.
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

  /// c = op(A)·x with A stored transposed (`a` is k × m, lda ≥ m), skipping the zero entries of x, on the own
  /// `Float` kernels: the same bits as ``gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
  /// with n = 1 **for a finite A** (the caller checks it once). Returns false, doing nothing, where it does not
  /// apply (`Double`, or another backend chosen), so the caller runs the dense product.
  @inline(__always)
  static func gemvSkippingZeros<T: BackpropScalar>(
    m: Int, k: Int, a: UnsafePointer<T>, lda: Int, x: UnsafePointer<T>, c: UnsafeMutablePointer<T>
  ) -> Bool {
    guard T.self == Float.self, bp_blas_active_sgemm() == nil else { return false }
    bp_sgemv_t_sparse_x(
      Int32(m), Int32(k), 1, UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), Int32(lda),
      UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), 0,
      UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), 1)
    return true
  }

  /// Whether `Float` products run on the own kernels on this thread: no other backend is selected, process-wide or
  /// for this thread (``ComputeBackend/withSelected(_:onThisThread:)``).
  static var floatProductsAreNative: Bool { bp_blas_active_sgemm() == nil }

  /// C = α·A·op(X) on the own `Float` kernels, where the batch X is never stored: X[p, j] = samples[offsets[j] + p]
  /// / 255, the values the batch gather would write (op(X) = X), or with `transposeX`, op(X) = Xᵀ. The same bits as
  /// gathering X and calling ``gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` with
  /// β = 0. `Float` only. `aIsFinite` promises that A holds no Inf or NaN, so that the kernels need not check it
  /// before skipping X's zero rows; it must be exact, or a NaN that 0·∞ would make goes missing.
  @inline(__always)
  static func gemmFromBytes<T: BackpropScalar>(
    transposeX: Bool, m: Int, n: Int, k: Int, alpha: T, a: UnsafePointer<T>, lda: Int, aIsFinite: Bool,
    samples: UnsafePointer<UInt8>, offsets: UnsafePointer<Int>, c: UnsafeMutablePointer<T>, ldc: Int
  ) {
    precondition(T.self == Float.self, "the bytes' product runs on Float")
    bp_sgemm_bytes(
      transposeX ? 1 : 0, Int32(m), Int32(n), Int32(k), Float(alpha), UnsafeRawPointer(a).assumingMemoryBound(to: Float.self),
      Int32(lda), samples, offsets, 255, 0, UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(ldc),
      aIsFinite ? 1 : 0)
  }

  // MARK: Activations

  /// Z += b (row i gets b[i]; skipped when `bias` is nil), then A = g(Z), in the C kernels' single pass when the
  /// scalar is `Float` and g has one (linear, ReLU, leaky ReLU, sigmoid, softmax). Returns false, having done
  /// nothing, otherwise: the caller then runs the generic Swift path.
  @inline(__always)
  static func biasActivation<T: BackpropScalar>(
    _ activation: Activation, bias: UnsafePointer<T>?, z: UnsafeMutablePointer<T>, a: UnsafeMutablePointer<T>,
    rows: Int, columns: Int
  ) -> Bool {
    guard T.self == Float.self else { return false }
    let kind: bp_activation
    switch activation {
    case .linear: kind = BP_ACTIVATION_LINEAR
    case .relu: kind = BP_ACTIVATION_RELU
    case .leakyReLU: kind = BP_ACTIVATION_LEAKY_RELU
    case .sigmoid: kind = BP_ACTIVATION_SIGMOID
    case .softmax: kind = BP_ACTIVATION_LINEAR
    default: return false
    }
    let zf = UnsafeMutableRawPointer(z).assumingMemoryBound(to: Float.self)
    let af = UnsafeMutableRawPointer(a).assumingMemoryBound(to: Float.self)
    let bf = bias.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) }
    if activation == .softmax {
      if bf != nil { bp_bias_activation(kind, Int32(rows), Int32(columns), bf, zf, zf) }
      bp_softmax_columns(Int32(rows), Int32(columns), zf, af)
    } else {
      bp_bias_activation(kind, Int32(rows), Int32(columns), bf, zf, af)
    }
    return true
  }

  /// dZ = dA ∘ g′ in place in the C kernels when the scalar is `Float` and g has one (ReLU, leaky ReLU, sigmoid,
  /// tanh; linear needs nothing). Returns false, having done nothing, otherwise.
  @inline(__always)
  static func activationBackward<T: BackpropScalar>(
    _ activation: Activation, z: UnsafePointer<T>, a: UnsafePointer<T>, d: UnsafeMutablePointer<T>, count: Int
  ) -> Bool {
    guard T.self == Float.self else { return false }
    let kind: bp_activation
    switch activation {
    case .relu: kind = BP_ACTIVATION_RELU
    case .leakyReLU: kind = BP_ACTIVATION_LEAKY_RELU
    case .sigmoid: kind = BP_ACTIVATION_SIGMOID
    case .tanh: kind = BP_ACTIVATION_TANH
    default: return false
    }
    bp_activation_backward(
      kind, count, UnsafeRawPointer(z).assumingMemoryBound(to: Float.self),
      UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), UnsafeMutableRawPointer(d).assumingMemoryBound(to: Float.self))
    return true
  }

  /// Adds b[i] to every element of row i of the rows × columns matrix Z.
  @inline(__always)
  static func addToRows<T: BackpropScalar>(_ b: UnsafePointer<T>, _ z: UnsafeMutablePointer<T>, rows: Int, columns: Int) {
    for i in 0..<rows {
      let bi = b[i]
      let row = z + i * columns
      for j in 0..<columns { row[j] += bi }
    }
  }

  /// result[i] = scale · Σ_j X[i, j], summed left to right.
  @inline(__always)
  static func rowSums<T: BackpropScalar>(
    _ x: UnsafePointer<T>, rows: Int, columns: Int, scale: T, into result: UnsafeMutablePointer<T>
  ) {
    for i in 0..<rows {
      let row = x + i * columns
      var sum: T = 0
      for j in 0..<columns { sum += row[j] }
      result[i] = scale * sum
    }
  }
}

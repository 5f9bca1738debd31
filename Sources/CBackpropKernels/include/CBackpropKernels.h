#ifndef CBACKPROPKERNELS_H
#define CBACKPROPKERNELS_H

#include <stddef.h>

/// Backprop's compute kernels in C, so they can use AVX2/FMA (or other instruction sets) chosen at run time
/// without any compiler flag on the package. Internal: no API promise; see README.md.

/// The instruction sets a kernel can run on, each a superset of the one before.
typedef enum {
  BP_ISA_GENERIC = 0,  ///< portable C (scalar fmaf), any CPU
  BP_ISA_AVX2 = 1,     ///< x86-64 AVX2 + FMA
  BP_ISA_AVX512 = 2,   ///< x86-64 AVX-512F (with AVX2 + FMA): the GEMM's 6 × 64 tiles; the rest as AVX2
} bp_isa;

/// The best instruction set this CPU supports.
bp_isa bp_isa_detected(void);
/// The instruction set the kernels use now (the detected one unless forced).
bp_isa bp_isa_active(void);
/// Forces an instruction set (for tests); returns 0 if this CPU cannot run it. BP_ISA_GENERIC always works.
int bp_isa_force(bp_isa isa);
/// A name for an instruction set: "generic", "avx2", "avx512".
const char *bp_isa_name(bp_isa isa);

/// C = alpha·op(A)·op(B) + beta·C in single precision, row-major, op(X) = X or Xᵀ.
///
/// op(A) is m×k, op(B) is k×n, C is m×n; lda, ldb, ldc are the distances between rows as stored. When beta is 0,
/// C is not read. Every C element is summed over k in the same order (even k-blocks of at most 256, fused multiply-adds
/// within a block) whatever the instruction set, shape or thread count, so all paths give the same bits.
void bp_sgemm(int transpose_a, int transpose_b, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc);

/// C = alpha·op(A)·op(B) + beta·C in double precision, row-major, op(X) = X or Xᵀ: each C[i, j] is beta·C[i, j]
/// (0 when beta is 0: C is not read), then + (alpha·A[i, p])·B[p, j] for p = 0, 1, …, k − 1, one rounding per
/// operation and no fused multiply-adds, whatever the shape.
void bp_dgemm(int transpose_a, int transpose_b, int m, int n, int k, double alpha, const double *a, int lda,
              const double *b, int ldb, double beta, double *c, int ldc);

/// C = alpha·A·op(X) + beta·C, where X is a batch of samples read from bytes as bp_gather_bytes would gather it,
/// one sample per column: X[p, j] = samples[offsets[j] + p] / divisor (op(X) = X, k × n), or with transpose_x,
/// op(X) = Xᵀ (k × n, a sample per row): Xᵀ[p, j] = samples[offsets[p] + j] / divisor. A is m × k, not transposed.
/// The same bits as bp_gather_bytes followed by bp_sgemm, without writing X: training and inference on bytes (MNIST)
/// pack the first layer's products straight from the samples. `a_is_finite` is a promise that A holds no Inf or
/// NaN (inference, which checks W once per call): A's strips are then not checked again before zero rows of X are
/// skipped. With 0, they are, as in bp_sgemm.
void bp_sgemm_bytes(int transpose_x, int m, int n, int k, float alpha, const float *a, int lda,
                    const unsigned char *samples, const ptrdiff_t *offsets, float divisor, float beta, float *c,
                    int ldc, int a_is_finite);

/// Whether bp_sgemm skips the k-rows of B that are zero across a packed panel of 16 columns, where A is finite (on
/// by default). The results are the same either way, bit for bit unless a sum is exactly zero (its sign may then
/// differ; see gemm.c); the switch is for tests and benchmarks, and holds for calls made on the calling thread.
void bp_sgemm_skip_zero_rows(int enabled);

/// c[i·ldc] = alpha·Σ_p a[p·lda + i]·x[p] + beta·c[i·ldc] for i < m: bp_sgemm's transposed-A product with n = 1,
/// skipping every p where x[p] is zero (an image's background). The sums are bp_sgemm's, term for term, so the bits
/// are the same **when A is finite**: a zero x[p] adds ±0 to a sum that starts at +0, which changes nothing, but
/// 0·Inf would have been NaN. Callers check A once.
void bp_sgemv_t_sparse_x(int m, int k, float alpha, const float *a, int lda, const float *x, float beta, float *c,
                         int ldc);

/// The activations with a single-precision kernel here; the others run in Swift.
typedef enum {
  BP_ACTIVATION_LINEAR = 0,
  BP_ACTIVATION_RELU = 1,
  BP_ACTIVATION_LEAKY_RELU = 2,  ///< slope 0.01 below 0
  BP_ACTIVATION_SIGMOID = 3,
  BP_ACTIVATION_TANH = 4,        ///< backward only (the forward pass uses the C library's tanhf)
} bp_activation;

/// Z[i, j] += bias[i] (skipped when bias is NULL), then A = g(Z), over a rows × columns row-major matrix; a may
/// be z. Sigmoid is 1/(1 + e^(−z)) with ``bp_expf``.
void bp_bias_activation(bp_activation kind, int rows, int columns, const float *bias, float *z, float *a);
/// A[:, j] = softmax(Z[:, j]) for every column of a rows × columns row-major matrix (the column maximum
/// subtracted first); a may be z.
void bp_softmax_columns(int rows, int columns, const float *z, float *a);
/// d[i] ← d[i]·g′, from z (ReLU, leaky ReLU) or from the cached a = g(z) (sigmoid: a(1 − a), tanh: 1 − a²).
void bp_activation_backward(bp_activation kind, size_t count, const float *z, const float *a, float *d);
/// e^x in single precision, within 2 ulp for x in [−87, 88]; clamped to that range outside it.
float bp_expf(float x);

/// x[k·ldx + j] = samples[offsets[j] + k] / divisor for j < m, k < features: m samples, each a row of bytes,
/// become the m columns of x. Every path divides exactly, so all give the same bits.
void bp_gather_bytes(const unsigned char *samples, const ptrdiff_t *offsets, int m, int features, float divisor, float *x,
                     int ldx);

/// A job split in parts: called once for each part = 0 … parts − 1, possibly on different threads at once.
typedef void (*bp_job)(void *context, int part, int parts);

/// Runs job(context, part, parts) for every part, the calling thread doing part 0 and pool threads the others;
/// returns when all are done. parts is capped at bp_threads(). While another thread's job holds the pool, the job
/// runs as one part on the calling thread. Jobs must split their work so that the result does not depend on parts.
void bp_parallel(int parts, bp_job job, void *context);
/// Sets how many threads bp_parallel uses, the caller included (1 = none added); starts workers as needed.
void bp_set_threads(int threads);
/// The threads bp_parallel uses.
int bp_threads(void);

/// w ← w − eta·g over n elements (gradient descent).
void bp_sgd_update(size_t n, float *w, const float *g, float eta);

/// The same in double precision, on the calling thread (Double networks are small).
void bp_dsgd_update(size_t n, double *w, const double *g, double eta);

/// Gradient descent with momentum over n elements, v updated in place (PyTorch's SGD, dampening 0):
/// v ← momentum·v + g, then w ← w − eta·v, or when nesterov ≠ 0, w ← w − eta·(g + momentum·v) with the new v.
/// Parallel by ranges over the pool like bp_adam_update; every path gives the same bits.
void bp_sgd_momentum_update(size_t n, float *w, const float *g, float *v, float eta, float momentum, int nesterov);

/// Adam over n elements, m and v updated in place: m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g²,
/// w ← w − step_size·m / (√v / correction2 + ε), step_size = η/(1 − β1ᵗ) and correction2 = √(1 − β2ᵗ).
void bp_adam_update(size_t n, float *w, const float *g, float *m, float *v, float beta1, float beta2, float epsilon,
                    float step_size, float correction2);

#endif

// Double-precision products, for the learners' and the gradient checks' networks (the seeds' worked examples, XOR).
//
// Their matrices are tiny, so a product's cost is its loops' overhead, not its arithmetic: each C[i, j] is summed in
// a register (C[i, j] = β·C[i, j], then += (α·A[i, p])·B[p, j] for p = 0, 1, …), four neighbours of a row side by
// side in a vector's lanes where B is not transposed, and only a wide B (n ≥ 16, not transposed) is streamed row by
// row instead, so that the inner loop runs along contiguous memory. Every way does the same IEEE operations on every
// element, with no fused multiply-adds, so they give the same bits; the tests hold them to the Swift reference.

#pragma STDC FP_CONTRACT OFF

#include <string.h>
#include "CBackpropKernels.h"

typedef double double4 __attribute__((vector_size(32)));

/// β·C[i, j]: 0 when β is 0, so garbage (even NaN) in C does not leak in.
static inline double scaled(double beta, double c) { return beta == 0 ? 0 : beta == 1 ? c : beta * c; }

void bp_dgemm(int transpose_a, int transpose_b, int m, int n, int k, double alpha, const double *a, int lda,
              const double *b, int ldb, double beta, double *c, int ldc) {
  // A[i, p] = a[i·a_row + p·a_step], B[p, j] = b[p·b_row + j·b_step]
  const ptrdiff_t a_row = transpose_a ? 1 : lda, a_step = transpose_a ? lda : 1;
  const ptrdiff_t b_row = transpose_b ? 1 : ldb, b_step = transpose_b ? ldb : 1;
  if (!transpose_b && n >= 16) {
    for (int i = 0; i < m; i++) {
      double *c_row = c + (ptrdiff_t)i * ldc;
      for (int j = 0; j < n; j++) c_row[j] = scaled(beta, c_row[j]);
      for (int p = 0; p < k; p++) {
        const double s = alpha * a[i * a_row + p * a_step];
        const double *b_row_p = b + p * b_row;
        for (int j = 0; j < n; j++) c_row[j] += s * b_row_p[j];
      }
    }
    return;
  }
  for (int i = 0; i < m; i++) {
    const double *a_i = a + i * a_row;
    double *c_i = c + (ptrdiff_t)i * ldc;
    int j = 0;
    if (b_step == 1) {
      // Four elements of the row at once, one per lane: each lane sums over p in order, a multiply then an add as
      // below, so it gives the bits of the loop below (a quarter of XOR's products' time, measured).
      for (; j + 4 <= n; j += 4) {
        double4 sum = {scaled(beta, c_i[j]), scaled(beta, c_i[j + 1]), scaled(beta, c_i[j + 2]),
                       scaled(beta, c_i[j + 3])};
#pragma clang loop unroll(disable)
        for (int p = 0; p < k; p++) {
          const double s = alpha * a_i[p * a_step];
          double4 row;
          memcpy(&row, b + p * b_row + j, sizeof row);
          sum += (double4){s, s, s, s} * row;
        }
        memcpy(c_i + j, &sum, sizeof sum);
      }
    }
    for (; j < n; j++) {
      double sum = scaled(beta, c_i[j]);
      // An ordered sum cannot be vectorized, and unrolled copies of it only add branches for a k of 2 or 4.
#pragma clang loop unroll(disable) vectorize(disable)
      for (int p = 0; p < k; p++) sum += (alpha * a_i[p * a_step]) * b[p * b_row + j * b_step];
      c_i[j] = sum;
    }
  }
}

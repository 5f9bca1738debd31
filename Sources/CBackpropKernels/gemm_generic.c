// The portable micro-kernel: plain C with fmaf, so its rounding is exactly the vector kernels'.
#include <math.h>
#include "gemm_kernels.h"

// The epilogue α·sum + β·C must not be contracted into a fused multiply-add: the vector kernels round it in two
// steps, and every path must give the same bits.
#pragma STDC FP_CONTRACT OFF

void bp_sgemm_kernel_generic(int steps, const int *rows, const float *a, ptrdiff_t rs, ptrdiff_t cs, const float *b,
                             float alpha, float beta, float *c, ptrdiff_t ldc) {
  float acc[BP_MR][BP_NR] = {{0}};
  for (int t = 0; t < steps; t++) {
    ptrdiff_t p = rows ? rows[t] : t;
    const float *ap = a + p * cs, *bp = b + p * BP_NR;
    for (int r = 0; r < BP_MR; r++) {
      float x = ap[r * rs];
      for (int j = 0; j < BP_NR; j++) acc[r][j] = fmaf(x, bp[j], acc[r][j]);
    }
  }
  for (int r = 0; r < BP_MR; r++) {
    float *row = c + r * ldc;
    for (int j = 0; j < BP_NR; j++) row[j] = beta == 0 ? alpha * acc[r][j] : alpha * acc[r][j] + beta * row[j];
  }
}

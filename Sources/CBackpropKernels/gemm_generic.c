// The portable micro-kernel: plain C with fmaf, so its rounding is exactly the vector kernels'.
#include <math.h>
#include "gemm_kernels.h"

void bp_sgemm_kernel_generic(int kc, const float *a, const float *b, float *tile) {
  float acc[BP_MR][BP_NR] = {{0}};
  for (int p = 0; p < kc; p++) {
    const float *ap = a + p * BP_MR, *bp = b + p * BP_NR;
    for (int r = 0; r < BP_MR; r++) {
      for (int j = 0; j < BP_NR; j++) acc[r][j] = fmaf(ap[r], bp[j], acc[r][j]);
    }
  }
  for (int r = 0; r < BP_MR; r++) {
    for (int j = 0; j < BP_NR; j++) tile[r * BP_NR + j] = acc[r][j];
  }
}

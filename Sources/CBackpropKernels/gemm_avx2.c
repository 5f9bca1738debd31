// The AVX2 + FMA micro-kernel: 6 rows × 16 columns in 12 ymm accumulators, one broadcast of A and two loads of
// B per step of k.
#if defined(__x86_64__)
#include <immintrin.h>
#include "gemm_kernels.h"

__attribute__((target("avx2,fma")))
void bp_sgemm_kernel_avx2(int kc, const float *a, const float *b, float *tile) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int p = 0; p < kc; p++) {
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
    __m256 x;
    x = _mm256_broadcast_ss(a + 0); c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
    x = _mm256_broadcast_ss(a + 1); c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
    x = _mm256_broadcast_ss(a + 2); c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
    x = _mm256_broadcast_ss(a + 3); c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
    x = _mm256_broadcast_ss(a + 4); c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
    x = _mm256_broadcast_ss(a + 5); c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
    a += BP_MR;
    b += BP_NR;
  }
  _mm256_storeu_ps(tile + 0, c00);  _mm256_storeu_ps(tile + 8, c01);
  _mm256_storeu_ps(tile + 16, c10); _mm256_storeu_ps(tile + 24, c11);
  _mm256_storeu_ps(tile + 32, c20); _mm256_storeu_ps(tile + 40, c21);
  _mm256_storeu_ps(tile + 48, c30); _mm256_storeu_ps(tile + 56, c31);
  _mm256_storeu_ps(tile + 64, c40); _mm256_storeu_ps(tile + 72, c41);
  _mm256_storeu_ps(tile + 80, c50); _mm256_storeu_ps(tile + 88, c51);
}
#endif

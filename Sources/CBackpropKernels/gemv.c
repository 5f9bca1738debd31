// Matrix–vector products (n = 1) for bp_sgemm: a batch of one sample, as in inference one image at a time.
//
// A 6×16 GEMM tile would waste 15 of its 16 columns and repack A on every call, so n = 1 takes this path. It keeps
// the GEMM's arithmetic exactly: for each row, a chain of fused multiply-adds over k in blocks of KC from 0, merged
// into C as bp_sgemm merges, so a sample gets the same bits alone as inside a batch.
#include <math.h>
#include "CBackpropKernels.h"
#include "gemm_kernels.h"

// acc[r] = Σ_p op(A)[i0 + r, p0 + p]·x[p] for r < rows, p < kc, one fmaf chain per row.
static void gemv_block_generic(int transpose_a, const float *a, int lda, int i0, int rows, int p0, int kc,
                               const float *x, float *acc) {
  for (int r = 0; r < rows; r++) {
    float sum = 0;
    for (int p = 0; p < kc; p++) {
      float value = transpose_a ? a[(size_t)(p0 + p) * lda + i0 + r] : a[(size_t)(i0 + r) * lda + p0 + p];
      sum = fmaf(value, x[p], sum);
    }
    acc[r] = sum;
  }
}

#if defined(__x86_64__)
#include <immintrin.h>

// The same sums, eight rows at a time in one ymm register: with A not transposed, each 8×8 block of A is loaded
// row by row and transposed in registers, so the eight chains still run over p in order.
__attribute__((target("avx2,fma")))
static void gemv_block_avx2(int transpose_a, const float *a, int lda, int i0, int rows, int p0, int kc,
                            const float *x, float *acc) {
  int r = 0;
  for (; r + 8 <= rows; r += 8) {
    __m256 sum = _mm256_setzero_ps();
    int p = 0;
    if (transpose_a) {
      for (; p < kc; p++) {
        __m256 column = _mm256_loadu_ps(a + (size_t)(p0 + p) * lda + i0 + r);
        sum = _mm256_fmadd_ps(column, _mm256_broadcast_ss(x + p), sum);
      }
    } else {
      const float *base = a + (size_t)(i0 + r) * lda + p0;
      for (; p + 8 <= kc; p += 8) {
        __m256 r0 = _mm256_loadu_ps(base + 0 * (size_t)lda + p), r1 = _mm256_loadu_ps(base + 1 * (size_t)lda + p);
        __m256 r2 = _mm256_loadu_ps(base + 2 * (size_t)lda + p), r3 = _mm256_loadu_ps(base + 3 * (size_t)lda + p);
        __m256 r4 = _mm256_loadu_ps(base + 4 * (size_t)lda + p), r5 = _mm256_loadu_ps(base + 5 * (size_t)lda + p);
        __m256 r6 = _mm256_loadu_ps(base + 6 * (size_t)lda + p), r7 = _mm256_loadu_ps(base + 7 * (size_t)lda + p);
        // 8×8 transpose: afterwards c_t holds column p + t of the eight rows.
        __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
        __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
        __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
        __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
        __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
        __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
        __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
        __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
        __m256 c0 = _mm256_permute2f128_ps(u0, u4, 0x20), c1 = _mm256_permute2f128_ps(u1, u5, 0x20);
        __m256 c2 = _mm256_permute2f128_ps(u2, u6, 0x20), c3 = _mm256_permute2f128_ps(u3, u7, 0x20);
        __m256 c4 = _mm256_permute2f128_ps(u0, u4, 0x31), c5 = _mm256_permute2f128_ps(u1, u5, 0x31);
        __m256 c6 = _mm256_permute2f128_ps(u2, u6, 0x31), c7 = _mm256_permute2f128_ps(u3, u7, 0x31);
        sum = _mm256_fmadd_ps(c0, _mm256_broadcast_ss(x + p + 0), sum);
        sum = _mm256_fmadd_ps(c1, _mm256_broadcast_ss(x + p + 1), sum);
        sum = _mm256_fmadd_ps(c2, _mm256_broadcast_ss(x + p + 2), sum);
        sum = _mm256_fmadd_ps(c3, _mm256_broadcast_ss(x + p + 3), sum);
        sum = _mm256_fmadd_ps(c4, _mm256_broadcast_ss(x + p + 4), sum);
        sum = _mm256_fmadd_ps(c5, _mm256_broadcast_ss(x + p + 5), sum);
        sum = _mm256_fmadd_ps(c6, _mm256_broadcast_ss(x + p + 6), sum);
        sum = _mm256_fmadd_ps(c7, _mm256_broadcast_ss(x + p + 7), sum);
      }
      for (; p < kc; p++) {
        __m256 column = _mm256_set_ps(base[7 * (size_t)lda + p], base[6 * (size_t)lda + p], base[5 * (size_t)lda + p],
                                      base[4 * (size_t)lda + p], base[3 * (size_t)lda + p], base[2 * (size_t)lda + p],
                                      base[1 * (size_t)lda + p], base[0 * (size_t)lda + p]);
        sum = _mm256_fmadd_ps(column, _mm256_broadcast_ss(x + p), sum);
      }
    }
    _mm256_storeu_ps(acc + r, sum);
  }
  gemv_block_generic(transpose_a, a, lda, i0 + r, rows - r, p0, kc, x, acc + r);
}
#endif

void bp_sgemv_into(int transpose_a, int m, int k, float alpha, const float *a, int lda, const float *x,
                   float beta, float *c, int ldc) {
  float acc[MC_GEMV], chunk[KC_GEMV];
  int avx2 = bp_isa_active() == BP_ISA_AVX2;
  (void)avx2;
  for (int p0 = 0; p0 < k; p0 += KC_GEMV) {
    int kc = k - p0 < KC_GEMV ? k - p0 : KC_GEMV;
    for (int p = 0; p < kc; p++) chunk[p] = x[p0 + p];
    for (int i0 = 0; i0 < m; i0 += MC_GEMV) {
      int rows = m - i0 < MC_GEMV ? m - i0 : MC_GEMV;
#if defined(__x86_64__)
      if (avx2) gemv_block_avx2(transpose_a, a, lda, i0, rows, p0, kc, chunk, acc);
      else
#endif
      gemv_block_generic(transpose_a, a, lda, i0, rows, p0, kc, chunk, acc);
      for (int r = 0; r < rows; r++) {
        float *out = c + (size_t)(i0 + r) * ldc;
        if (p0 > 0 || beta == 1) *out += alpha * acc[r];
        else if (beta == 0) *out = alpha * acc[r];
        else *out = alpha * acc[r] + beta * *out;
      }
    }
  }
}

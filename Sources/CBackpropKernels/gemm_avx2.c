// The AVX2 + FMA micro-kernel: 6 rows × 16 columns in 12 ymm accumulators, six broadcasts of A (read in place)
// and two loads of packed B per step of k; and the AVX2 packers of B's panels, from floats or from bytes.
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>
#include "gemm_kernels.h"
#include "transpose_avx2.h"

__attribute__((target("avx2,fma")))
static inline void store_row(float *c, __m256 acc0, __m256 acc1, __m256 alpha, __m256 beta, int read) {
  __m256 x0 = _mm256_mul_ps(alpha, acc0), x1 = _mm256_mul_ps(alpha, acc1);
  if (read) {  // two roundings, as the generic kernel's α·sum + β·C
    x0 = _mm256_add_ps(x0, _mm256_mul_ps(beta, _mm256_loadu_ps(c)));
    x1 = _mm256_add_ps(x1, _mm256_mul_ps(beta, _mm256_loadu_ps(c + 8)));
  }
  _mm256_storeu_ps(c, x0);
  _mm256_storeu_ps(c + 8, x1);
}

// Inlined twice below: with rows = NULL (every step of k, p = t) the index disappears and the loop is the dense one.
__attribute__((target("avx2,fma"), always_inline))
static inline void tile(int steps, const int *rows, const float *a, ptrdiff_t rs, ptrdiff_t cs, const float *b,
                        float alpha, float beta, float *c, ptrdiff_t ldc) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  const ptrdiff_t r1 = rs, r2 = 2 * rs, r3 = 3 * rs, r4 = 4 * rs, r5 = 5 * rs;
  for (int t = 0; t < steps; t++) {
    ptrdiff_t p = rows ? rows[t] : t;
    const float *ap = a + p * cs, *bp = b + p * BP_NR;
    __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
    __m256 x;
    x = _mm256_broadcast_ss(ap);      c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
    x = _mm256_broadcast_ss(ap + r1); c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
    x = _mm256_broadcast_ss(ap + r2); c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
    x = _mm256_broadcast_ss(ap + r3); c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
    x = _mm256_broadcast_ss(ap + r4); c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
    x = _mm256_broadcast_ss(ap + r5); c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
  }
  __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  int read = beta != 0;
  store_row(c, c00, c01, va, vb, read);
  store_row(c + ldc, c10, c11, va, vb, read);
  store_row(c + 2 * ldc, c20, c21, va, vb, read);
  store_row(c + 3 * ldc, c30, c31, va, vb, read);
  store_row(c + 4 * ldc, c40, c41, va, vb, read);
  store_row(c + 5 * ldc, c50, c51, va, vb, read);
}

__attribute__((target("avx2,fma")))
void bp_sgemm_kernel_avx2(int steps, const int *rows, const float *a, ptrdiff_t rs, ptrdiff_t cs, const float *b,
                          float alpha, float beta, float *c, ptrdiff_t ldc) {
  if (rows) {
    tile(steps, rows, a, rs, cs, b, alpha, beta, c, ldc);
  } else {
    tile(steps, NULL, a, rs, cs, b, alpha, beta, c, ldc);
  }
}

// Whether 8 floats hold a nonzero value (−0 counts as zero).
__attribute__((target("avx2"), always_inline))
static inline int any_nonzero(__m256 x) {
  return !_mm256_testz_si256(_mm256_castps_si256(x), _mm256_set1_epi32(0x7FFFFFFF));
}

// The k-rows of a packed panel with a nonzero value, read back while the panel is in L1.
__attribute__((target("avx2")))
static int nonzero_rows(const float *panel, int kc, int *rows) {
  int count = 0;
  for (int p = 0; p < kc; p++) {
    if (any_nonzero(_mm256_or_ps(_mm256_loadu_ps(panel + p * BP_NR), _mm256_loadu_ps(panel + p * BP_NR + 8)))) {
      rows[count++] = p;
    }
  }
  return count;
}

__attribute__((target("avx2")))
int bp_pack_panel_avx2(const float *b, ptrdiff_t brs, ptrdiff_t bcs, int kc, float *out, int *rows) {
  if (bcs == 1) {  // rows of op(B) are contiguous: copy 16 floats per row, listing the nonzero rows on the way
    int count = 0;
    for (int p = 0; p < kc; p++) {
      __m256 low = _mm256_loadu_ps(b + p * brs), high = _mm256_loadu_ps(b + p * brs + 8);
      _mm256_storeu_ps(out + p * BP_NR, low);
      _mm256_storeu_ps(out + p * BP_NR + 8, high);
      if (rows && any_nonzero(_mm256_or_ps(low, high))) rows[count++] = p;
    }
    return rows ? count : kc;
  }
  int p = 0;  // columns are (brs = 1): 8 × 8 blocks transposed in registers
  for (; p + 8 <= kc; p += 8) {
    for (int half = 0; half < 2; half++) {
      const float *column = b + half * 8 * bcs + p;
      __m256 r[8];
      for (int t = 0; t < 8; t++) r[t] = _mm256_loadu_ps(column + t * bcs);
      bp_transpose8x8(r);
      for (int t = 0; t < 8; t++) _mm256_storeu_ps(out + (p + t) * BP_NR + half * 8, r[t]);
    }
  }
  for (; p < kc; p++) {
    for (int j = 0; j < BP_NR; j++) out[p * BP_NR + j] = b[p + j * bcs];
  }
  return rows ? nonzero_rows(out, kc, rows) : kc;
}

// 16 bytes as one k-row of a panel: 16 floats, each divided (bp_bytes_divided).
__attribute__((target("avx2,fma"), always_inline))
static inline void store_bytes_row(float *out, __m128i bytes, bp_byte_scale scale) {
  __m256 low = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes));
  __m256 high = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(bytes, 8)));
  _mm256_storeu_ps(out, bp_bytes_divided(low, scale));
  _mm256_storeu_ps(out + 8, bp_bytes_divided(high, scale));
}

__attribute__((target("avx2,fma")))
int bp_pack_bytes_avx2(const unsigned char *samples, const ptrdiff_t *offsets, int transposed, int p0, int j0, int kc,
                       bp_byte_scale scale, float *out, int *rows) {
  // The list of nonzero k-rows is read off the bytes wherever a byte is 0 exactly when its float is: for a finite
  // divisor d ≠ 0, since 0/d = 0 and 1/|d| ≥ 1/FLT_MAX is above the smallest subnormal. Else (d = 0, ±∞ or NaN) off
  // the floats, as the portable packer does.
  int by_bytes = rows && isfinite(scale.divisor) && scale.divisor != 0, count = 0, p = 0;
  if (transposed) {  // k-row p is sample p0 + p: its 16 bytes j0 … j0+15, converted and divided
    for (; p < kc; p++) {
      __m128i bytes = _mm_loadu_si128((const __m128i *)(samples + offsets[p0 + p] + j0));
      if (by_bytes && !_mm_testz_si128(bytes, bytes)) rows[count++] = p;
      store_bytes_row(out + p * BP_NR, bytes, scale);
    }
  } else {
    // Column j is sample j0 + j, its bytes p0 … p0+kc. 16 bytes of each of the 16 samples are transposed as bytes
    // (k-row p of the panel is then one register), and each k-row is converted and divided.
    const unsigned char *s[BP_NR];
    for (int t = 0; t < BP_NR; t++) s[t] = samples + offsets[j0 + t] + p0;
    for (; p + 16 <= kc; p += 16) {
      __m128i r[16];
      for (int t = 0; t < 16; t++) r[t] = _mm_loadu_si128((const __m128i *)(s[t] + p));
      bp_transpose16x16_bytes(r);
      for (int k = 0; k < 16; k++) {
        if (by_bytes && !_mm_testz_si128(r[k], r[k])) rows[count++] = p + k;
        store_bytes_row(out + (p + k) * BP_NR, r[k], scale);
      }
    }
    for (; p < kc; p++) {  // the last kc mod 16 k-rows
      int any = 0;
      for (int t = 0; t < BP_NR; t++) {
        out[p * BP_NR + t] = (float)s[t][p] / scale.divisor;
        any |= s[t][p];
      }
      if (by_bytes && any) rows[count++] = p;
    }
  }
  if (!rows) return kc;
  return by_bytes ? count : nonzero_rows(out, kc, rows);
}
#endif

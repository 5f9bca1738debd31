// Transposes in registers: 8 × 8 floats, which the gather (bytes → columns), the GEMM's packing of a transposed B
// and the matrix–vector product (rows of A → columns) need, with the byte-to-float block built on it; and 16 × 16
// bytes, for the GEMM's panels packed from bytes.
#ifndef TRANSPOSE_AVX2_H
#define TRANSPOSE_AVX2_H
#if defined(__x86_64__)
#include <immintrin.h>
#include <stddef.h>
#include "gemm_kernels.h"

/// r[0 … 7] hold the rows of an 8 × 8 block; afterwards r[t] holds its column t.
__attribute__((target("avx2"))) static inline void bp_transpose8x8(__m256 r[8]) {
  __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20); r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20); r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31); r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31); r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

/// r[0 … 15] hold 16 rows of 16 bytes; afterwards r[k] holds byte k of every row: four rounds of interleaving, in
/// units of 8, 16, 32 and 64 bits, each comment saying what its registers hold.
__attribute__((target("avx2"))) static inline void bp_transpose16x16_bytes(__m128i r[16]) {
  __m128i a[16], b[16];
  for (int i = 0; i < 8; i++) {  // a[8h + i]: bytes 8h … 8h+7 of rows 2i and 2i+1, interleaved
    a[i] = _mm_unpacklo_epi8(r[2 * i], r[2 * i + 1]);
    a[8 + i] = _mm_unpackhi_epi8(r[2 * i], r[2 * i + 1]);
  }
  for (int h = 0; h < 2; h++) {  // b[8h + 4g + j]: bytes 8h+4g … 8h+4g+3 of rows 4j … 4j+3
    for (int j = 0; j < 4; j++) {
      b[8 * h + j] = _mm_unpacklo_epi16(a[8 * h + 2 * j], a[8 * h + 2 * j + 1]);
      b[8 * h + 4 + j] = _mm_unpackhi_epi16(a[8 * h + 2 * j], a[8 * h + 2 * j + 1]);
    }
  }
  for (int hg = 0; hg < 4; hg++) {  // a[4hg + 2e + l]: bytes 4hg+2e, 4hg+2e+1 of rows 8l … 8l+7
    for (int l = 0; l < 2; l++) {
      a[4 * hg + l] = _mm_unpacklo_epi32(b[4 * hg + 2 * l], b[4 * hg + 2 * l + 1]);
      a[4 * hg + 2 + l] = _mm_unpackhi_epi32(b[4 * hg + 2 * l], b[4 * hg + 2 * l + 1]);
    }
  }
  for (int k = 0; k < 16; k += 2) {  // byte k of rows 0 … 7, then of rows 8 … 15
    r[k] = _mm_unpacklo_epi64(a[k], a[k + 1]);
    r[k + 1] = _mm_unpackhi_epi64(a[k], a[k + 1]);
  }
}

/// b / divisor for 8 byte values b, the bits of an IEEE division (what the portable paths do). With a reciprocal r
/// (not 0: bp_byte_scale_of checked it), as q = b·r corrected by its residual, q + (b − q·divisor)·r in fused
/// multiply-adds: three pipelined operations instead of a division, which has a fifth of their throughput (the
/// division was a third of packing a panel from bytes).
__attribute__((target("avx2,fma"))) static inline __m256 bp_bytes_divided(__m256 b, bp_byte_scale scale) {
  __m256 d = _mm256_set1_ps(scale.divisor);
  if (scale.reciprocal == 0) return _mm256_div_ps(b, d);
  __m256 r = _mm256_set1_ps(scale.reciprocal), q = _mm256_mul_ps(b, r);
  return _mm256_fmadd_ps(_mm256_fnmadd_ps(q, d, b), r, q);
}

/// 8 bytes of each of 8 byte rows, from `offset` on, as floats divided (bp_bytes_divided), transposed:
/// afterwards r[t] holds byte offset + t of every row: the batch gather turns 8 samples into 8 columns this way.
__attribute__((target("avx2,fma"))) static inline void bp_bytes8x8_transposed(const unsigned char *const rows[8],
                                                                              ptrdiff_t offset, bp_byte_scale scale,
                                                                              __m256 r[8]) {
  for (int t = 0; t < 8; t++) {
    __m128i bytes = _mm_loadl_epi64((const __m128i *)(rows[t] + offset));
    r[t] = bp_bytes_divided(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes)), scale);
  }
  bp_transpose8x8(r);
}

#endif
#endif

// The 8 × 8 transpose in registers that the gather (bytes → columns), the GEMM's panel packing and the
// matrix–vector product (rows of A → columns) need, and the byte-to-float block built on it.
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
/// afterwards r[t] holds byte offset + t of every row. Samples stored as rows of bytes become 8 columns this way,
/// both in the batch gather and in packing a GEMM panel from bytes.
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

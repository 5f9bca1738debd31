// The AVX-512 micro-kernel: up to two strips of A (12 rows) × two 16-column panels of B, a zmm accumulator per row
// and panel (24 of the 32 registers), twelve broadcasts of A (read in place) and two loads of packed B per step of
// k. A 6 × 16 tile's broadcasts feed one multiply-add each; here they feed two, which is what keeps the FMA units
// busy (measured in L1: 12 × 32 ~120 GFLOP/s, 12 × 16 ~85, against ~165 of pure multiply-adds).
//
// The panels, the strips, the k-blocks and the rows each panel skips are the 6 × 16 kernels': two panels walk the
// union of their nonzero k-rows, and a panel that has a zero in a row leaves that row out of its sums (a masked
// multiply-add leaves the accumulator as it is). So each C element is the same chain of fused multiply-adds as on
// the AVX2 and portable paths, bit for bit.
#if defined(__x86_64__)
#include <immintrin.h>
#include "gemm_kernels.h"

// α·sum + β·C in two roundings, as the other kernels: never one fused multiply-add.
#pragma STDC FP_CONTRACT OFF

__attribute__((target("avx512f"), always_inline))
static inline void store(float *c, __m512 acc, __m512 alpha, __m512 beta, int read) {
  __m512 x = _mm512_mul_ps(alpha, acc);
  if (read) x = _mm512_add_ps(x, _mm512_mul_ps(beta, _mm512_loadu_ps(c)));
  _mm512_storeu_ps(c, x);
}

// Row r of the tile: C row r += A[r, p]·B row p, for the first panel and (panels = 2) the second; with a list, each
// panel only where its bit says it takes row p (masked: a lane left out keeps its value). Two panels share one
// broadcast, written in assembly so that it stays next to its two multiply-adds: as intrinsics, the compiler hoisted
// all twelve broadcasts to the top of the step, and with the 24 accumulators they do not fit in the 32 registers
// (it spilled accumulators to the stack, a third slower). The instructions are those the intrinsics would give.
#define BP_ROW(r, x)                                                                                                 \
  if (panels == 1) {                                                                                               \
    c##r##a = _mm512_fmadd_ps(_mm512_set1_ps(x), b0, c##r##a);                                                     \
  } else if (masked) {                                                                                             \
    __m512 broadcast;                                                                                              \
    __asm__("vbroadcastss %[value], %[t]\n\t"                                                                      \
            "vfmadd231ps %[t], %[b0], %[ca] %{%[k0]%}\n\t"                                                         \
            "vfmadd231ps %[t], %[b1], %[cb] %{%[k1]%}"                                                             \
            : [ca] "+v"(c##r##a), [cb] "+v"(c##r##b), [t] "=&v"(broadcast)                                         \
            : [value] "m"(x), [b0] "v"(b0), [b1] "v"(b1), [k0] "Yk"(take0), [k1] "Yk"(take1));                     \
  } else {                                                                                                         \
    __m512 broadcast;                                                                                              \
    __asm__("vbroadcastss %[value], %[t]\n\t"                                                                      \
            "vfmadd231ps %[t], %[b0], %[ca]\n\t"                                                                   \
            "vfmadd231ps %[t], %[b1], %[cb]"                                                                       \
            : [ca] "+v"(c##r##a), [cb] "+v"(c##r##b), [t] "=&v"(broadcast)                                         \
            : [value] "m"(x), [b0] "v"(b0), [b1] "v"(b1));                                                         \
  }
#define BP_STORE(r)                                                                                                \
  {                                                                                                                \
    store(c + r * ldc, c##r##a, va, vb, beta != 0);                                                                \
    if (panels == 2) store(c + r * ldc + BP_NR, c##r##b, va, vb, beta != 0);                                       \
  }

// Instantiated for each count of strips (1, 2) and panels (1, 2), with and without a list of rows. Accumulators are
// named variables, not an array: the compiler kept an array's in registers only in part.
__attribute__((target("avx512f"), always_inline))
static inline void tile(const int strips, const int panels, int steps, const int *rows, const float *a,
                        const float *a_below, ptrdiff_t rs, ptrdiff_t cs, const float *b, const float *b_next,
                        float alpha, float beta, float *c, ptrdiff_t ldc) {
  __m512 c0a = _mm512_setzero_ps(), c1a = c0a, c2a = c0a, c3a = c0a, c4a = c0a, c5a = c0a;
  __m512 c6a = c0a, c7a = c0a, c8a = c0a, c9a = c0a, c10a = c0a, c11a = c0a;
  __m512 c0b = c0a, c1b = c0a, c2b = c0a, c3b = c0a, c4b = c0a, c5b = c0a;
  __m512 c6b = c0a, c7b = c0a, c8b = c0a, c9b = c0a, c10b = c0a, c11b = c0a;
  // A lone panel's listed rows are all its own: only two panels need the masks.
  const int masked = rows && panels == 2;
  const ptrdiff_t r1 = rs, r2 = 2 * rs, r3 = 3 * rs, r4 = 4 * rs, r5 = 5 * rs;
  for (int t = 0; t < steps; t++) {
    int entry = rows ? rows[t] : t << 2;
    ptrdiff_t p = entry >> 2;
    __mmask16 take0 = (__mmask16)-(entry & 1), take1 = (__mmask16)-(entry >> 1 & 1);
    __m512 b0 = _mm512_loadu_ps(b + p * BP_NR), b1 = panels == 2 ? _mm512_loadu_ps(b_next + p * BP_NR) : b0;
    const float *ap = a + p * cs, *aq = a_below + p * cs;
    BP_ROW(0, ap[0]) BP_ROW(1, ap[r1]) BP_ROW(2, ap[r2]) BP_ROW(3, ap[r3]) BP_ROW(4, ap[r4]) BP_ROW(5, ap[r5])
    if (strips == 2) {
      BP_ROW(6, aq[0]) BP_ROW(7, aq[r1]) BP_ROW(8, aq[r2]) BP_ROW(9, aq[r3]) BP_ROW(10, aq[r4]) BP_ROW(11, aq[r5])
    }
  }
  __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  BP_STORE(0) BP_STORE(1) BP_STORE(2) BP_STORE(3) BP_STORE(4) BP_STORE(5)
  if (strips == 2) {
    BP_STORE(6) BP_STORE(7) BP_STORE(8) BP_STORE(9) BP_STORE(10) BP_STORE(11)
  }
}
#undef BP_ROW
#undef BP_STORE

__attribute__((target("avx512f")))
void bp_sgemm_tile_avx512(int strips, int panels, int steps, const int *rows, const float *a, const float *a_below,
                          ptrdiff_t rs, ptrdiff_t cs, const float *b, const float *b_next, float alpha, float beta,
                          float *c, ptrdiff_t ldc) {
#define BP_TILE(S, P)                                                                                  \
  if (rows) {                                                                                          \
    tile(S, P, steps, rows, a, a_below, rs, cs, b, b_next, alpha, beta, c, ldc);                       \
  } else {                                                                                             \
    tile(S, P, steps, NULL, a, a_below, rs, cs, b, b_next, alpha, beta, c, ldc);                       \
  }
  if (strips == 2 && panels == 2) {
    BP_TILE(2, 2)
  } else if (strips == 2) {
    BP_TILE(2, 1)
  } else if (panels == 2) {
    BP_TILE(1, 2)
  } else {
    BP_TILE(1, 1)
  }
#undef BP_TILE
}
#endif

// The AVX-512 micro-kernel: a strip of A (6 rows) × up to four 16-column panels of B, a zmm accumulator per row and
// panel (24 of the 32 registers), six broadcasts of A (read in place) and four loads of packed B per step of k. Each
// broadcast feeds four multiply-adds, which is what keeps both FMA units busy: measured alone in L1 (`clang -O2`,
// packed operands), 6 × 64 runs at ~170 GFLOP/s, the multiply-adds' own peak here, 12 × 32 at ~120 and 12 × 16 at
// ~85. A lone panel (n ≤ 16, or the last one) takes two strips instead (12 × 16), so that 12 chains cover the
// multiply-adds' latency.
//
// The panels, the strips, the k-blocks and the rows each panel skips are the 6 × 16 kernels': a group of panels
// walks the union of their nonzero k-rows, and a panel that has a zero in a row leaves that row out of its sums (a
// masked multiply-add keeps the accumulator as it is). So each C element is the same chain of fused multiply-adds as
// on the AVX2 and portable paths, bit for bit.
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

// Instantiated for each shape (rows = 6·strips, `panels`), with and without a list of k-rows; the loops over rows
// and panels unroll, and the accumulators live in registers (checked in the disassembly: no stack traffic).
__attribute__((target("avx512f"), always_inline))
static inline void tile(const int strips, const int panels, int steps, const bp_group_row *rows, const float *a,
                        const float *a_below, ptrdiff_t rs, ptrdiff_t cs, const float *b, ptrdiff_t panel_size,
                        ptrdiff_t b_step, float alpha, float beta, float *c, ptrdiff_t ldc) {
  // A lone panel's listed rows are all its own: only a group of panels needs the masks.
  const int masked = rows && panels > 1;
  __m512 acc[2 * BP_MR][BP_GROUP];
  _Pragma("unroll") for (int r = 0; r < strips * BP_MR; r++) {
    _Pragma("unroll") for (int h = 0; h < panels; h++) acc[r][h] = _mm512_setzero_ps();
  }
  for (int t = 0; t < steps; t++) {
    const bp_group_row *entry = rows ? rows + t : NULL;
    ptrdiff_t p = entry ? entry->p : t;
    __m512 bp[BP_GROUP];
    __mmask16 take[BP_GROUP];
    _Pragma("unroll") for (int h = 0; h < panels; h++) {
      bp[h] = _mm512_loadu_ps(b + h * panel_size + p * b_step);
      // Which panels take row p: 16 bits each, read from memory (a mask from a general register would cost the
      // FMA port a µop).
      if (masked) take[h] = _load_mask16((__mmask16 *)&entry->take[h]);
    }
    _Pragma("unroll") for (int r = 0; r < strips * BP_MR; r++) {
      const float *value = (r < BP_MR ? a : a_below) + p * cs + r % BP_MR * rs;
      if (masked && panels == 4) {
        // In assembly, a broadcast and its four masked multiply-adds (the instructions the intrinsics below give):
        // from intrinsics, clang hoisted the six broadcasts of a step above the multiply-adds, and with the 24
        // accumulators and four panels they do not fit in the 32 registers, so accumulators went to the stack.
        __m512 x;
        __asm__("vbroadcastss %[value], %[x]\n\t"
                "vfmadd231ps %[x], %[b0], %[c0] %{%[k0]%}\n\t"
                "vfmadd231ps %[x], %[b1], %[c1] %{%[k1]%}\n\t"
                "vfmadd231ps %[x], %[b2], %[c2] %{%[k2]%}\n\t"
                "vfmadd231ps %[x], %[b3], %[c3] %{%[k3]%}"
                : [c0] "+v"(acc[r][0]), [c1] "+v"(acc[r][1]), [c2] "+v"(acc[r][2]), [c3] "+v"(acc[r][3]),
                  [x] "=&v"(x)
                : [value] "m"(*value), [b0] "v"(bp[0]), [b1] "v"(bp[1]), [b2] "v"(bp[2]), [b3] "v"(bp[3]),
                  [k0] "Yk"(take[0]), [k1] "Yk"(take[1]), [k2] "Yk"(take[2]), [k3] "Yk"(take[3]));
        continue;
      }
      __m512 x = _mm512_set1_ps(*value);
      _Pragma("unroll") for (int h = 0; h < panels; h++) {
        acc[r][h] = masked ? _mm512_mask3_fmadd_ps(x, bp[h], acc[r][h], take[h]) : _mm512_fmadd_ps(x, bp[h], acc[r][h]);
      }
    }
  }
  __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  _Pragma("unroll") for (int r = 0; r < strips * BP_MR; r++) {
    _Pragma("unroll") for (int h = 0; h < panels; h++) store(c + r * ldc + h * BP_NR, acc[r][h], va, vb, beta != 0);
  }
}

__attribute__((target("avx512f")))
void bp_sgemm_tile_avx512(int strips, int panels, int steps, const bp_group_row *rows, const float *a,
                          const float *a_below, ptrdiff_t rs, ptrdiff_t cs, const float *b, ptrdiff_t panel_size,
                          ptrdiff_t b_step, float alpha, float beta, float *c, ptrdiff_t ldc) {
#define BP_TILE(S, P)                                                                                  \
  if (rows) {                                                                                          \
    tile(S, P, steps, rows, a, a_below, rs, cs, b, panel_size, b_step, alpha, beta, c, ldc);           \
  } else {                                                                                             \
    tile(S, P, steps, NULL, a, a_below, rs, cs, b, panel_size, b_step, alpha, beta, c, ldc);           \
  }
  if (strips == 2) {
    BP_TILE(2, 1)
  } else if (panels == 4) {
    BP_TILE(1, 4)
  } else if (panels == 3) {
    BP_TILE(1, 3)
  } else if (panels == 2) {
    BP_TILE(1, 2)
  } else {
    BP_TILE(1, 1)
  }
#undef BP_TILE
}
#endif

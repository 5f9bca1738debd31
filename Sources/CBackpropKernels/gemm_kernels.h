// The micro-kernels behind bp_sgemm and the k-blocking that bp_sgemm and bp_sgemv_into share.
#ifndef GEMM_KERNELS_H
#define GEMM_KERNELS_H

#include <stddef.h>

enum { BP_MR = 6, BP_NR = 16 };

/// Every product sums each C element as a chain of fused multiply-adds over one k-block, merged into C block after
/// block (C = α·chain + β·C for the first block, C = α·chain + C after it). The blocks are as even as possible and
/// at most KC_MAX deep: k = 784 is four blocks of 196, not three of 256 and a stub of 16. bp_sgemm and
/// bp_sgemv_into must agree on them to give the same bits.
enum { KC_MAX = 256 };

/// The depth of every k-block but the last (which has what is left).
static inline int bp_k_block(int k) {
  int blocks = (k + KC_MAX - 1) / KC_MAX;
  return (k + blocks - 1) / blocks;
}

/// How the byte paths turn a byte b into b / divisor: `reciprocal` is 1/divisor when b·(1/divisor), corrected by one
/// residual step (bp_bytes_divided), is the IEEE quotient for every byte b, else 0, and then they divide.
typedef struct {
  float divisor, reciprocal;
} bp_byte_scale;

/// The scale for `divisor`, its reciprocal checked for all 256 bytes (every divisor tried passes).
bp_byte_scale bp_byte_scale_of(float divisor);

/// c[i·ldc] = α·Σ_p op(A)[i, p]·x[p·incx] + β·c[i·ldc] for i < m (n = 1), with bp_sgemm's exact arithmetic.
void bp_sgemv_into(int transpose_a, int m, int k, float alpha, const float *a, int lda, const float *x, int incx,
                   float beta, float *c, int ldc);

/// One MR × NR tile: C[r·ldc + j] = α·Σ_p a[r·rs + p·cs]·b[p·NR + j] + β·C[r·ldc + j], the sum a chain of fused
/// multiply-adds from 0 over p = 0, 1, … steps − 1 when `rows` is NULL, or over p = rows[0], rows[1], … (ascending,
/// `steps` of them) when it is not: the k-rows of the panel left after dropping its zero rows. When β is 0, C is not
/// read. A is read in place through its strides (rs, cs), B from a packed panel.
typedef void (*bp_sgemm_kernel)(int steps, const int *rows, const float *a, ptrdiff_t rs, ptrdiff_t cs, const float *b,
                                float alpha, float beta, float *c, ptrdiff_t ldc);

void bp_sgemm_kernel_generic(int steps, const int *rows, const float *a, ptrdiff_t rs, ptrdiff_t cs, const float *b,
                             float alpha, float beta, float *c, ptrdiff_t ldc);

/// AVX-512 tiles group up to BP_GROUP panels (declared for every CPU: gemm.c sizes its buffers with them). A k-row
/// of a group and the panels that take it: take[h] is 0xFFFF when panel h has a nonzero value in row p (it does not
/// skip the row), else 0.
enum { BP_GROUP = 4 };
typedef struct {
  int p;
  unsigned short take[BP_GROUP];
} bp_group_row;

#if defined(__x86_64__)
void bp_sgemm_kernel_avx2(int steps, const int *rows, const float *a, ptrdiff_t rs, ptrdiff_t cs, const float *b,
                          float alpha, float beta, float *c, ptrdiff_t ldc);
/// AVX-512: a tile of `strips` strips of A (rows 0 … MR − 1 from `a`, MR … 2·MR − 1 from `a_below`, both read
/// through (rs, cs)) times `panels` panels (panel h at b + h·panel_size, its k-rows b_step apart: NR when packed)
/// into C, as a bp_sgemm_kernel would write each strip and panel: 1 strip × 1–4 panels, or 2 strips × 1 panel.
/// `rows` is NULL (every k-row, `steps` of them) or the group's k-rows where any of its panels is nonzero. Each
/// element's sum is the 6 × 16 kernels' over its panel's rows, bit for bit.
void bp_sgemm_tile_avx512(int strips, int panels, int steps, const bp_group_row *rows, const float *a,
                          const float *a_below, ptrdiff_t rs, ptrdiff_t cs, const float *b, ptrdiff_t panel_size,
                          ptrdiff_t b_step, float alpha, float beta, float *c, ptrdiff_t ldc);
/// Packs one full panel: op(B)(p, j) = b[p·brs + j·bcs] for p < kc, j < NR into out[p·NR + j], one of the strides
/// being 1. When `rows` is not NULL, writes there the k-rows holding a nonzero value and returns their number
/// (else kc). Packing only copies, so the panel is the generic packing's, bit for bit.
int bp_pack_panel_avx2(const float *b, ptrdiff_t brs, ptrdiff_t bcs, int kc, float *out, int *rows);
/// The same for a panel read from bytes, divided as bp_gather_bytes divides, so the panel is the one packed from the
/// gathered floats: out[p·NR + j] = samples[offsets[j0 + j] + p0 + p] / divisor (a sample per column), or when
/// `transposed`, samples[offsets[p0 + p] + j0 + j] / divisor (a sample per k-row).
int bp_pack_bytes_avx2(const unsigned char *samples, const ptrdiff_t *offsets, int transposed, int p0, int j0, int kc,
                       bp_byte_scale scale, float *out, int *rows);
#endif

#endif

// bp_sgemm: BLIS-style blocking around a micro-kernel. B is packed in k-blocks of KC rows into panels NR wide,
// A into panels MR tall (transposes are handled while packing), the kernel makes one MR×NR tile per panel pair,
// and the tile is merged into C: C = alpha·tile + beta·C for the first k-block, C += alpha·tile after it.
// Each C element is therefore summed over k in a fixed order, whatever the instruction set or shape of the call.
#include <stdlib.h>
#include "CBackpropKernels.h"
#include "gemm_kernels.h"

enum { KC = KC_GEMV, MC = 72 };

// Packing buffers, one pair per thread, grown to the largest call seen and then reused (no allocation per call).
static _Thread_local float *packed_a, *packed_b;
static _Thread_local size_t packed_a_size, packed_b_size;

static float *buffer(float **p, size_t *size, size_t needed) {
  if (needed > *size) {
    free(*p);
    *p = aligned_alloc(64, ((needed * sizeof(float) + 63) / 64) * 64);
    *size = *p ? needed : 0;
  }
  return *p;
}

// op(B)[p0 .. p0+kc, j0 .. j0+n] into panels of NR columns: panel q holds, for each p, NR values (zero-padded).
static void pack_b(int transpose, const float *b, int ldb, int p0, int kc, int j0, int n, float *out) {
  for (int q = 0; q < n; q += BP_NR) {
    int width = n - q < BP_NR ? n - q : BP_NR;
    for (int p = 0; p < kc; p++) {
      float *row = out + p * BP_NR;
      if (!transpose) {
        const float *src = b + (size_t)(p0 + p) * ldb + j0 + q;
        for (int j = 0; j < width; j++) row[j] = src[j];
      } else {
        const float *src = b + (size_t)(j0 + q) * ldb + p0 + p;
        for (int j = 0; j < width; j++) row[j] = src[(size_t)j * ldb];
      }
      for (int j = width; j < BP_NR; j++) row[j] = 0;
    }
    out += (size_t)kc * BP_NR;
  }
}

// op(A)[i0 .. i0+m, p0 .. p0+kc] into panels of MR rows: panel holds, for each p, MR values (zero-padded).
static void pack_a(int transpose, const float *a, int lda, int i0, int m, int p0, int kc, float *out) {
  for (int q = 0; q < m; q += BP_MR) {
    int height = m - q < BP_MR ? m - q : BP_MR;
    for (int p = 0; p < kc; p++) {
      float *column = out + p * BP_MR;
      if (!transpose) {
        const float *src = a + (size_t)(i0 + q) * lda + p0 + p;
        for (int r = 0; r < height; r++) column[r] = src[(size_t)r * lda];
      } else {
        const float *src = a + (size_t)(p0 + p) * lda + i0 + q;
        for (int r = 0; r < height; r++) column[r] = src[r];
      }
      for (int r = height; r < BP_MR; r++) column[r] = 0;
    }
    out += (size_t)kc * BP_MR;
  }
}

static void merge(const float *tile, int rows, int columns, float alpha, float beta, int first, float *c, int ldc) {
  for (int r = 0; r < rows; r++) {
    float *row = c + (size_t)r * ldc;
    const float *t = tile + r * BP_NR;
    if (!first || beta == 1) {
      for (int j = 0; j < columns; j++) row[j] += alpha * t[j];
    } else if (beta == 0) {
      for (int j = 0; j < columns; j++) row[j] = alpha * t[j];
    } else {
      for (int j = 0; j < columns; j++) row[j] = alpha * t[j] + beta * row[j];
    }
  }
}

static bp_sgemm_kernel kernel_for(bp_isa isa) {
#if defined(__x86_64__)
  if (isa == BP_ISA_AVX2) return bp_sgemm_kernel_avx2;
#endif
  (void)isa;
  return bp_sgemm_kernel_generic;
}

struct gemm_call {
  int transpose_a, transpose_b, m, n, k, lda, ldb, ldc;
  float alpha, beta;
  const float *a, *b;
  float *c;
  bp_sgemm_kernel kernel;
};

// Rows row_begin … row_end − 1 of C and its columns in panels first … end − 1 (NR wide): all of the product for
// them, in the fixed k order.
static void gemm_block(const struct gemm_call *g, int row_begin, int row_end, int first, int end) {
  int j0 = first * BP_NR, width = (end * BP_NR < g->n ? end * BP_NR : g->n) - j0;
  if (width <= 0) return;
  float *pb = buffer(&packed_b, &packed_b_size, (size_t)KC * (end - first) * BP_NR);
  float *pa = buffer(&packed_a, &packed_a_size, (size_t)KC * MC);
  float tile[BP_MR * BP_NR];
  if (!pa || !pb) abort();  // out of memory for a few hundred kilobytes: nothing sensible is left to do
  for (int p0 = 0; p0 < g->k; p0 += KC) {
    int kc = g->k - p0 < KC ? g->k - p0 : KC;
    pack_b(g->transpose_b, g->b, g->ldb, p0, kc, j0, width, pb);
    for (int i0 = row_begin; i0 < row_end; i0 += MC) {
      int mc = row_end - i0 < MC ? row_end - i0 : MC;
      pack_a(g->transpose_a, g->a, g->lda, i0, mc, p0, kc, pa);
      for (int q = 0; q < end - first; q++) {
        int columns = width - q * BP_NR < BP_NR ? width - q * BP_NR : BP_NR;
        if (columns <= 0) break;
        for (int r0 = 0; r0 < mc; r0 += BP_MR) {
          int rows = mc - r0 < BP_MR ? mc - r0 : BP_MR;
          g->kernel(kc, pa + (size_t)r0 * kc, pb + (size_t)q * kc * BP_NR, tile);
          merge(tile, rows, columns, g->alpha, g->beta, p0 == 0, g->c + (size_t)(i0 + r0) * g->ldc + j0 + q * BP_NR,
                g->ldc);
        }
      }
    }
  }
}

// Part `part` of `parts` takes an equal share of C's rows (in whole micro-panels) when A is the larger operand,
// so each thread packs only its rows of A, or else of C's column panels. Shares never overlap: threads write
// disjoint parts of C, and each element's arithmetic is the same for any number of threads.
static void gemm_part(void *context, int part, int parts) {
  const struct gemm_call *g = context;
  int panels = (g->n + BP_NR - 1) / BP_NR;
  if ((double)g->m * g->k >= (double)g->k * g->n) {
    int strips = (g->m + BP_MR - 1) / BP_MR;
    int begin = strips * part / parts * BP_MR, end = strips * (part + 1) / parts * BP_MR;
    if (end > g->m) end = g->m;
    if (begin < end) gemm_block(g, begin, end, 0, panels);
  } else {
    gemm_block(g, 0, g->m, panels * part / parts, panels * (part + 1) / parts);
  }
}

void bp_sgemm(int transpose_a, int transpose_b, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {  // C = beta·C
    for (int i = 0; i < m; i++) {
      float *row = c + (size_t)i * ldc;
      for (int j = 0; j < n; j++) row[j] = beta == 0 ? 0 : beta * row[j];
    }
    return;
  }
  if (n == 1 && (transpose_b || ldb == 1)) {
    // op(B) is one column: element p at b[p] (B stored as 1 × k, or k × 1 with ldb = 1).
    bp_sgemv_into(transpose_a, m, k, alpha, a, lda, b, beta, c, ldc);
    return;
  }
  struct gemm_call call = {transpose_a, transpose_b, m, n, k, lda, ldb, ldc, alpha, beta, a, b, c,
                           kernel_for(bp_isa_active())};
  // Below about a million multiply-adds, handing work to another thread costs more than it saves.
  int parts = (double)m * n * k >= 1e6 ? 64 : 1;
  bp_parallel(parts, gemm_part, &call);
}

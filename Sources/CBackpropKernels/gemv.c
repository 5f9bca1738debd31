// Matrix–vector products (n = 1) for bp_sgemm: a batch of one sample, as in inference one image at a time.
//
// A 6×16 GEMM tile would waste 15 of its 16 columns and repack A on every call, so n = 1 takes this path. It keeps
// the GEMM's arithmetic exactly: for each row, a chain of fused multiply-adds over k in the same k-blocks from 0, merged
// into C as bp_sgemm merges, so a sample gets the same bits alone as inside a batch.
#include <math.h>
#include <stdint.h>
#include "CBackpropKernels.h"
#include "gemm_kernels.h"

// The merge α·sum + β·C rounds twice, as bp_sgemm's does: no fused multiply-add.
#pragma STDC FP_CONTRACT OFF

// Threads share the rows in blocks of MC_GEMV; one pass over a k-block sums up to ROWS_GEMV rows at once (the
// AVX-512 path's eight chains of 16; the other paths go through them in smaller groups).
enum { MC_GEMV = 64, ROWS_GEMV = 128 };

// ---- A not transposed: each row of A dotted with x ----

// acc[r] = Σ_p A[i0 + r, p0 + p]·x[p] for r < rows, p < kc, one fmaf chain per row. (Inlined into the AVX2 paths'
// tails as well, where fmaf is an instruction rather than a call into libm.)
__attribute__((always_inline))
static inline void rows_block_generic(const float *a, int lda, int i0, int rows, int p0, int kc, const float *x, float *acc) {
  for (int r = 0; r < rows; r++) {
    float sum = 0;
    for (int p = 0; p < kc; p++) sum = fmaf(a[(size_t)(i0 + r) * lda + p0 + p], x[p], sum);
    acc[r] = sum;
  }
}

#if defined(__x86_64__)
#include <immintrin.h>
#include "transpose_avx2.h"

// Rows r … r+7 of A (not transposed), columns p … p+7, transposed in registers: c[t] holds column p + t.
__attribute__((target("avx2,fma")))
static inline void load_transposed(const float *base, size_t lda, __m256 c[8]) {
  for (int t = 0; t < 8; t++) c[t] = _mm256_loadu_ps(base + t * lda);
  bp_transpose8x8(c);
}

// Column p of rows r … r+7 of A (not transposed), gathered one by one: the tail of k past the last block of 8.
__attribute__((target("avx2,fma")))
static inline __m256 load_column(const float *base, size_t lda) {
  return _mm256_set_ps(base[7 * lda], base[6 * lda], base[5 * lda], base[4 * lda], base[3 * lda], base[2 * lda],
                       base[lda], base[0]);
}

// The same sums, eight rows in each ymm register: two blocks of 8 rows side by side (two chains, to cover the
// multiply-add latency), each 8 × 8 block of A loaded row by row and transposed in registers.
__attribute__((target("avx2,fma")))
static void rows_block_avx2(const float *a, int lda, int i0, int rows, int p0, int kc, const float *x, float *acc) {
  int r = 0;
  size_t stride = (size_t)lda;
  for (; r + 16 <= rows; r += 16) {
    const float *base0 = a + (size_t)(i0 + r) * lda + p0, *base1 = base0 + 8 * stride;
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), c0[8], c1[8];
    int p = 0;
    for (; p + 8 <= kc; p += 8) {
      load_transposed(base0 + p, stride, c0);
      load_transposed(base1 + p, stride, c1);
      for (int t = 0; t < 8; t++) {
        __m256 xp = _mm256_broadcast_ss(x + p + t);
        s0 = _mm256_fmadd_ps(c0[t], xp, s0);
        s1 = _mm256_fmadd_ps(c1[t], xp, s1);
      }
    }
    for (; p < kc; p++) {
      __m256 xp = _mm256_broadcast_ss(x + p);
      s0 = _mm256_fmadd_ps(load_column(base0 + p, stride), xp, s0);
      s1 = _mm256_fmadd_ps(load_column(base1 + p, stride), xp, s1);
    }
    _mm256_storeu_ps(acc + r, s0);
    _mm256_storeu_ps(acc + r + 8, s1);
  }
  for (; r + 8 <= rows; r += 8) {
    const float *base = a + (size_t)(i0 + r) * lda + p0;
    __m256 s = _mm256_setzero_ps(), c[8];
    int p = 0;
    for (; p + 8 <= kc; p += 8) {
      load_transposed(base + p, stride, c);
      for (int t = 0; t < 8; t++) s = _mm256_fmadd_ps(c[t], _mm256_broadcast_ss(x + p + t), s);
    }
    for (; p < kc; p++) s = _mm256_fmadd_ps(load_column(base + p, stride), _mm256_broadcast_ss(x + p), s);
    _mm256_storeu_ps(acc + r, s);
  }
  rows_block_generic(a, lda, i0 + r, rows - r, p0, kc, x, acc + r);
}
#endif

// ---- A transposed: op(A)·x = Σ_p x[p]·(row p of A), over a list of the p of a block ----
//
// The list is every p of the block, or only those whose x[p] is not zero (bp_sgemv_t_sparse_x): inference one image
// at a time reads every weight of the first layer for every image, and MNIST digits are about 80 % background, so
// skipping the zero pixels skips most of that traffic. The sums keep bp_sgemm's k-blocks, order and merge; see
// bp_sgemv_t_sparse_x in the header for why the bits match for finite A.

// acc[r] = Σ_q a[index[q]·lda + i0 + r]·value[q] for r < rows, one fmaf chain per row.
__attribute__((always_inline))
static inline void listed_block_generic(const float *a, int lda, int i0, int rows, const int *index, const float *value,
                                        int count, float *acc) {
  for (int r = 0; r < rows; r++) {
    float sum = 0;
    for (int q = 0; q < count; q++) sum = fmaf(a[(size_t)index[q] * lda + i0 + r], value[q], sum);
    acc[r] = sum;
  }
}

#if defined(__x86_64__)
// The same sums, eight rows per ymm register, 8·chains rows from r, one chain of multiply-adds per 8 rows: eight
// chains side by side cover the multiply-add latency on two ports. Inlined with a constant `chains`, its loops
// unroll.
__attribute__((target("avx2,fma"), always_inline))
static inline void listed_chains(const float *a, int lda, int r, const int *index, const float *value, int count,
                                 float *acc, const int chains) {
  __m256 s[8];
  for (int t = 0; t < chains; t++) s[t] = _mm256_setzero_ps();
  for (int q = 0; q < count; q++) {
    const float *row = a + (size_t)index[q] * lda + r;
    __m256 xq = _mm256_broadcast_ss(value + q);
    for (int t = 0; t < chains; t++) s[t] = _mm256_fmadd_ps(_mm256_loadu_ps(row + 8 * t), xq, s[t]);
  }
  for (int t = 0; t < chains; t++) _mm256_storeu_ps(acc + 8 * t, s[t]);
}

__attribute__((target("avx2,fma")))
static void listed_block_avx2(const float *a, int lda, int i0, int rows, const int *index, const float *value,
                              int count, float *acc) {
  int r = 0;
  for (; r + 64 <= rows; r += 64) listed_chains(a, lda, i0 + r, index, value, count, acc + r, 8);
  for (; r + 32 <= rows; r += 32) listed_chains(a, lda, i0 + r, index, value, count, acc + r, 4);
  for (; r + 8 <= rows; r += 8) listed_chains(a, lda, i0 + r, index, value, count, acc + r, 1);
  listed_block_generic(a, lda, i0 + r, rows - r, index, value, count, acc + r);
}
#endif

#if defined(__x86_64__)
// The same chains, sixteen rows per zmm register and up to 128 rows at once, each listed row of A (transposed) read in
// one contiguous run. A zmm load that straddles two cache lines costs about twice an aligned one (measured: this
// loop over a 784 × 128 A at a 16-byte offset ran at 33 GFLOP/s, aligned at 56), and arrays are rarely 64-byte
// aligned, so when every row of A has the same alignment (lda a multiple of 16) the chains start at the aligned
// address `lead` floats before row r: the first chain's lanes before r and the last chain's lanes past the rows
// are masked off (masked lanes load nothing and cannot fault). Each row's sum is still its own fmaf chain.
__attribute__((target("avx512f"), always_inline))
static inline void listed_chains_avx512(const float *a, int lda, int r, int lead, int rows, const int *index,
                                        const float *value, int count, float *acc, const int chains) {
  __m512 s[9];
  const int span = lead + rows;
  const __mmask16 first = (__mmask16)(0xFFFFu << lead),
                  last = (__mmask16)(0xFFFFu >> (16 * chains - span)) & (chains == 1 ? first : 0xFFFF);
  const float *start = a + r - lead;
  for (int t = 0; t < chains; t++) s[t] = _mm512_setzero_ps();
  for (int q = 0; q < count; q++) {
    const float *row = start + (size_t)index[q] * lda;
    __m512 xq = _mm512_set1_ps(value[q]);
    if (chains == 1) {
      s[0] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(last, row), xq, s[0]);
      continue;
    }
    s[0] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(first, row), xq, s[0]);
    for (int t = 1; t < chains - 1; t++) s[t] = _mm512_fmadd_ps(_mm512_loadu_ps(row + 16 * t), xq, s[t]);
    s[chains - 1] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(last, row + 16 * (chains - 1)), xq, s[chains - 1]);
  }
  float lanes[16 * 9];
  for (int t = 0; t < chains; t++) _mm512_storeu_ps(lanes + 16 * t, s[t]);
  for (int i = 0; i < rows; i++) acc[i] = lanes[lead + i];
}

// Rows i0 … i0 + rows − 1, rows ≤ ROWS_GEMV (gemv_rows's pass): at most nine chains once the lead is added.
__attribute__((target("avx512f")))
static void listed_block_avx512(const float *a, int lda, int i0, int rows, const int *index, const float *value,
                                int count, float *acc) {
  int lead = lda % 16 == 0 ? (int)(((uintptr_t)(a + i0) / sizeof(float)) % 16) : 0;
  switch ((lead + rows + 15) / 16) {  // a constant count of chains in each copy, so its loops unroll
    case 1: listed_chains_avx512(a, lda, i0, lead, rows, index, value, count, acc, 1); break;
    case 2: listed_chains_avx512(a, lda, i0, lead, rows, index, value, count, acc, 2); break;
    case 3: listed_chains_avx512(a, lda, i0, lead, rows, index, value, count, acc, 3); break;
    case 4: listed_chains_avx512(a, lda, i0, lead, rows, index, value, count, acc, 4); break;
    case 5: listed_chains_avx512(a, lda, i0, lead, rows, index, value, count, acc, 5); break;
    case 6: listed_chains_avx512(a, lda, i0, lead, rows, index, value, count, acc, 6); break;
    case 7: listed_chains_avx512(a, lda, i0, lead, rows, index, value, count, acc, 7); break;
    case 8: listed_chains_avx512(a, lda, i0, lead, rows, index, value, count, acc, 8); break;
    default: listed_chains_avx512(a, lda, i0, lead, rows, index, value, count, acc, 9); break;
  }
}

// The nonzero x[p0 + p] of a contiguous block (x != 0 as in C: −0 is zero, NaN is not) and their indices, 16 at a
// time with AVX-512's compress; returns their count. Each group of 16 is compressed in registers and stored whole
// (at most 16 past `count`, which never passes p, so within the block's kc): a compress stored straight to memory
// is microcoded on some CPUs.
__attribute__((target("avx512f")))
static int nonzero_list_avx512(const float *x, int p0, int kc, int *index, float *value) {
  int count = 0, p = 0;
  __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (; p + 16 <= kc; p += 16) {
    __m512 v = _mm512_loadu_ps(x + p0 + p);
    __mmask16 nonzero = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NEQ_UQ);
    _mm512_storeu_ps(value + count, _mm512_maskz_compress_ps(nonzero, v));
    _mm512_storeu_si512(index + count,
                        _mm512_maskz_compress_epi32(nonzero, _mm512_add_epi32(lanes, _mm512_set1_epi32(p0 + p))));
    count += __builtin_popcount(nonzero);
  }
  for (; p < kc; p++) {
    index[count] = p0 + p;
    value[count] = x[p0 + p];
    count += x[p0 + p] != 0;
  }
  return count;
}
#endif

// ---- Both paths: x block by block, the merge into C, rows shared between threads ----

struct gemv_call {
  int transpose_a, skip_zeros, m, k, lda, incx, ldc;
  float alpha, beta;
  const float *a, *x;
  float *c;
};

// Rows row_begin … row_end − 1 of the product, all of k.
static void gemv_rows(const struct gemv_call *g, int row_begin, int row_end) {
  float acc[ROWS_GEMV], value[KC_MAX];
  int index[KC_MAX];
  bp_isa isa = bp_isa_active();
  int avx2 = isa >= BP_ISA_AVX2, avx512 = isa >= BP_ISA_AVX512;
  (void)avx2, (void)avx512;
  int depth = bp_k_block(g->k);
  for (int p0 = 0; p0 < g->k; p0 += depth) {
    int kc = g->k - p0 < depth ? g->k - p0 : depth, count = 0;
    float beta = p0 == 0 ? g->beta : 1;
    // The block of x, contiguous, and its list: all of it, or only the nonzeros when skipping zeros.
    if (!g->skip_zeros) {
      for (int q = 0; q < kc; q++) {  // no running count: the loop vectorizes
        index[q] = p0 + q;
        value[q] = g->x[(size_t)(p0 + q) * g->incx];
      }
      count = kc;
    }
#if defined(__x86_64__)
    else if (avx512 && g->incx == 1) count = nonzero_list_avx512(g->x, p0, kc, index, value);
#endif
    else {
      for (int p = p0; p < p0 + kc; p++) {
        float xp = g->x[(size_t)p * g->incx];
        index[count] = p;
        value[count] = xp;
        count += xp != 0;  // branch-free: zeros and nonzeros interleave unpredictably
      }
    }
    for (int i0 = row_begin; i0 < row_end; i0 += ROWS_GEMV) {
      int rows = row_end - i0 < ROWS_GEMV ? row_end - i0 : ROWS_GEMV;
      if (g->transpose_a) {
#if defined(__x86_64__)
        if (avx512) listed_block_avx512(g->a, g->lda, i0, rows, index, value, count, acc);
        else if (avx2) listed_block_avx2(g->a, g->lda, i0, rows, index, value, count, acc);
        else
#endif
        listed_block_generic(g->a, g->lda, i0, rows, index, value, count, acc);
      } else {  // (zeros are skipped only with A transposed, so the list here is all of the block)
#if defined(__x86_64__)
        if (avx2) rows_block_avx2(g->a, g->lda, i0, rows, p0, kc, value, acc);
        else
#endif
        rows_block_generic(g->a, g->lda, i0, rows, p0, kc, value, acc);
      }
      for (int r = 0; r < rows; r++) {
        float *out = g->c + (size_t)(i0 + r) * g->ldc;
        *out = beta == 0 ? g->alpha * acc[r] : g->alpha * acc[r] + beta * *out;
      }
    }
  }
}

// Part `part` of `parts` takes an equal share of the blocks of MC_GEMV rows. With two threads, each reads half of
// A, which then stays in its core's L2 from one call to the next (inference one sample at a time re-reads all of
// the weights for every sample).
static void gemv_part(void *context, int part, int parts) {
  const struct gemv_call *g = context;
  int blocks = (g->m + MC_GEMV - 1) / MC_GEMV;
  int begin = blocks * part / parts * MC_GEMV, end = blocks * (part + 1) / parts * MC_GEMV;
  if (begin < g->m) gemv_rows(g, begin, end < g->m ? end : g->m);
}

// Below about 64 000 multiply-adds (a few microseconds), a second thread costs more than it saves.
static void gemv_run(struct gemv_call *call, int multiply_adds_per_row) {
  bp_parallel(call->m > MC_GEMV && (double)call->m * multiply_adds_per_row >= 64000 ? 64 : 1, gemv_part, call);
}

void bp_sgemv_into(int transpose_a, int m, int k, float alpha, const float *a, int lda, const float *x, int incx,
                   float beta, float *c, int ldc) {
  struct gemv_call call = {transpose_a, 0, m, k, lda, incx, ldc, alpha, beta, a, x, c};
  gemv_run(&call, k);
}

void bp_sgemv_t_sparse_x(int m, int k, float alpha, const float *a, int lda, const float *x, float beta, float *c,
                         int ldc) {
  struct gemv_call call = {1, 1, m, k, lda, 1, ldc, alpha, beta, a, x, c};
  int nonzero = 0;
  for (int p = 0; p < k; p++) nonzero += x[p] != 0;
  gemv_run(&call, nonzero);
}

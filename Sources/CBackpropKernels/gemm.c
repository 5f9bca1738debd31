// bp_sgemm: BLIS-style blocking around a micro-kernel. B is packed, one k-block at a time, into panels NR columns
// wide (transposes are handled while packing; bp_sgemm_bytes packs a batch of byte samples, converted, instead);
// A is read in place through its strides when it is not transposed, since at the batch sizes of training
// (n = 64 … 1000) packing A costs as much as the multiply-adds it feeds. The kernel makes one MR × NR tile per strip
// of A and panel of B and merges it into C: C = α·tile + β·C for the first k-block, C = α·tile + C after it. Each C
// element is therefore summed over k in a fixed order, whatever the instruction set, the shape of the call or the
// number of threads. With AVX-512 one call makes the tiles of a strip and up to four panels at once (wide_tiles),
// with the same sums.
//
// Zero rows of B are skipped. A k-row of a packed panel that is all zeros adds a·0 = ±0 to each of the panel's sums,
// and adding ±0 to a sum changes nothing as long as a is finite (0·∞ is NaN): each strip of A that is finite in the
// k-block is given only the panel's nonzero k-rows. The chain then has the same value, and the same bits unless it
// is exactly zero (a −0 from a product that underflows stays −0 where adding +0 would have made it +0). Inputs are
// often sparse this way: an MNIST digit is 80 % background, and about half of the pixels are 0 in all 16 samples of
// a panel, which halves the first layer's forward product, its weight gradient, and inference.
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "CBackpropKernels.h"
#include "gemm_kernels.h"

// Edge tiles are merged here in the kernels' two roundings (α·t, then + β·C), never one fused multiply-add.
#pragma STDC FP_CONTRACT OFF

enum { MC = 96 };

// op(A)(i, p) = a[i·ars + p·acs], op(B)(p, j) = b[p·brs + j·bcs]: one description for all four transpositions.
struct gemm_call {
  int m, n, k;
  const float *a, *b;
  ptrdiff_t ars, acs, brs, bcs;
  float *c;
  int ldc;
  int c_transposed;  // C(i, j) is c[j·ldc + i]: bp_sgemm computes Cᵀ = op(B)ᵀ·op(A)ᵀ (see there)
  int b_in_place;    // the AVX-512 tiles read op(B)'s panels where they are (rows contiguous, n a multiple of NR)
  float alpha, beta;
  bp_sgemm_kernel kernel;
  int wide;  // AVX-512 tiles of up to four panels (bp_sgemm_tile_avx512) instead of the kernel's 6 × 16
  int skips_zero_rows;
  int a_is_finite;  // the caller's promise that A holds no Inf or NaN: its strips are not checked before skipping
  _Atomic int next_panel;  // the first column panel no thread has taken yet (split by columns)
  // When `bytes` is not NULL, B is read from bytes instead of b: B(p, j) = bytes[offsets[j] + p] / divisor, or
  // bytes[offsets[p] + j] / divisor when `bytes_transposed` (X or Xᵀ of a batch of samples).
  const unsigned char *bytes;
  const ptrdiff_t *offsets;
  bp_byte_scale scale;
  int bytes_transposed;
};

// Float bits read in place: may_alias tells the optimizer these loads may see what was stored as float.
typedef uint32_t __attribute__((may_alias)) float_bits;

// Per calling thread, so that a test can compare both ways while others run.
static _Thread_local int keeps_zero_rows;

void bp_sgemm_skip_zero_rows(int enabled) { keeps_zero_rows = !enabled; }

// Buffers, one set per thread, grown to the largest call seen and then reused: no allocation per call.
static _Thread_local void *packed_a, *packed_b, *kept_rows, *group_rows;
static _Thread_local size_t packed_a_size, packed_b_size, kept_rows_size, group_rows_size;

static void *buffer(void **buffer, size_t *size, size_t bytes) {
  if (bytes > *size) {
    free(*buffer);
    *buffer = aligned_alloc(64, (bytes + 63) / 64 * 64);
    *size = *buffer ? bytes : 0;
  }
  if (!*buffer) abort();  // out of memory for a few hundred kilobytes: nothing sensible is left to do
  return *buffer;
}

// Writes the indices of the panel's k-rows that hold a nonzero value (−0 counts as zero) and returns how many.
static int nonzero_rows(const float *panel, int kc, int *rows) {
  int count = 0;
  for (int p = 0; p < kc; p++) {
    const float_bits *row = (const float_bits *)(panel + p * BP_NR);
    uint32_t any = 0;
    for (int j = 0; j < BP_NR; j++) any |= row[j] & 0x7FFFFFFF;
    if (any) rows[count++] = p;
  }
  return count;
}

// One panel in portable C: op(B)[p0 … p0+kc, j0 … j0+width] into out[p·NR + j], zero-padded to NR columns. When
// `rows` is not NULL, writes there the k-rows holding a nonzero value and returns their number (else kc): the
// contract of the AVX2 packers. A panel filled row by row is padded in the same loop: as a loop of its own, the
// padding became a call to memset per row (7 % of a product with n = 10).
static int pack_panel(const struct gemm_call *g, int p0, int kc, int j0, int width, float *out, int *rows) {
  const float *src = g->b + p0 * g->brs + j0 * g->bcs;
  if (g->bytes && g->bytes_transposed) {  // one sample per k-row, divided as the gather divides
    for (int p = 0; p < kc; p++) {
      const unsigned char *sample = g->bytes + g->offsets[p0 + p] + j0;
      for (int j = 0; j < BP_NR; j++) out[p * BP_NR + j] = j < width ? (float)sample[j] / g->scale.divisor : 0;
    }
  } else if (g->bcs == 1) {  // rows of op(B) are contiguous
    for (int p = 0; p < kc; p++) {
      for (int j = 0; j < BP_NR; j++) out[p * BP_NR + j] = j < width ? src[p * g->brs + j] : 0;
    }
  } else {  // one sample, or one column of op(B), per column of the panel: read each down, write it across
    for (int j = 0; j < width; j++) {
      const unsigned char *sample = g->bytes ? g->bytes + g->offsets[j0 + j] + p0 : NULL;
      const float *column = src + j * g->bcs;
      for (int p = 0; p < kc; p++) out[p * BP_NR + j] = sample ? (float)sample[p] / g->scale.divisor : column[p * g->brs];
    }
    for (int p = 0; p < kc; p++) {  // the last panel's columns past the end of B
      for (int j = width; j < BP_NR; j++) out[p * BP_NR + j] = 0;
    }
  }
  return rows ? nonzero_rows(out, kc, rows) : kc;
}

// op(B)[p0 … p0+kc, j0 … j0+n] into panels of NR columns: panel q holds, for each p, NR values (zero-padded).
// When `kept` is not NULL, the list of each panel's nonzero k-rows goes there, a count and then the rows (kc + 1
// ints per panel), made while the panel is still in L1. Returns whether any panel has a zero k-row.
static int pack_b(const struct gemm_call *g, int p0, int kc, int j0, int n, float *out, int *kept) {
  int sparse = 0;
  for (int q = 0; q < n; q += BP_NR, out += (size_t)kc * BP_NR) {
    int width = n - q < BP_NR ? n - q : BP_NR;
    int *list = kept ? kept + (size_t)(q / BP_NR) * (kc + 1) : NULL, *rows = list ? list + 1 : NULL;
    int count = -1;
#if defined(__x86_64__)
    if (width == BP_NR && g->kernel == bp_sgemm_kernel_avx2) {
      count = g->bytes
        ? bp_pack_bytes_avx2(g->bytes, g->offsets, g->bytes_transposed, p0, j0 + q, kc, g->scale, out, rows)
        : bp_pack_panel_avx2(g->b + p0 * g->brs + (j0 + q) * g->bcs, g->brs, g->bcs, kc, out, rows);
    }
#endif
    if (count < 0) count = pack_panel(g, p0, kc, j0 + q, width, out, rows);
    if (list) list[0] = count;
    sparse |= count < kc;
  }
  return sparse;
}

// op(A)[i0 … i0+m, p0 … p0+kc] into strips of MR rows (packed: rs = 1, cs = MR), the last one zero-padded.
// A is read in place where it can be; it is packed when a strip would run past its end (the kernel reads MR
// rows), and when it is transposed and used by 4 panels of B or more: read in place, a transposed A touches a new
// cache line at every step of k and, with a leading dimension that is a multiple of 512 bytes, evicts them from
// L1 as fast as they come in.
static void pack_a(const struct gemm_call *g, int i0, int m, int p0, int kc, float *out) {
  for (int q = 0; q < m; q += BP_MR, out += (size_t)kc * BP_MR) {
    int height = m - q < BP_MR ? m - q : BP_MR;
    const float *src = g->a + (i0 + q) * g->ars + p0 * g->acs;
    if (g->ars == 1 && height == BP_MR) {  // A transposed: each column of the strip is MR contiguous floats
      for (int p = 0; p < kc; p++) memcpy(out + p * BP_MR, src + p * g->acs, BP_MR * sizeof(float));
      continue;
    }
    for (int p = 0; p < kc; p++) {
      float *column = out + p * BP_MR;
      for (int r = 0; r < height; r++) column[r] = src[r * g->ars + p * g->acs];
      for (int r = height; r < BP_MR; r++) column[r] = 0;
    }
  }
}

// Whether `lines` lines of `length` contiguous floats, `step` apart, hold no Inf or NaN. Compiled twice (inlined
// below), so that the AVX2 copy checks 8 floats at a time: in a training step it reads all of W.
__attribute__((always_inline))
static inline int finite_lines(const float *start, int lines, int length, ptrdiff_t step) {
  uint32_t bad = 0;
  for (int l = 0; l < lines; l++) {
    const float_bits *x = (const float_bits *)(start + l * step);
    for (int i = 0; i < length; i++) bad |= (x[i] & 0x7F800000) == 0x7F800000;
  }
  return !bad;
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
static int finite_lines_avx2(const float *start, int lines, int length, ptrdiff_t step) {
  return finite_lines(start, lines, length, step);
}
#endif

// Whether op(A)[i0 … i0+m, p0 … p0+kc] holds no Inf or NaN. One of A's strides is 1 (bp_sgemm reads A as stored
// or transposed), and the check runs along it.
static int finite(const struct gemm_call *g, int i0, int m, int p0, int kc) {
  const float *start = g->a + i0 * g->ars + p0 * g->acs;
  int rows_contiguous = g->acs == 1, lines = rows_contiguous ? m : kc, length = rows_contiguous ? kc : m;
  ptrdiff_t step = rows_contiguous ? g->ars : g->acs;
#if defined(__x86_64__)
  if (g->kernel == bp_sgemm_kernel_avx2) return finite_lines_avx2(start, lines, length, step);
#endif
  return finite_lines(start, lines, length, step);
}

// Where C(i, j) is.
static float *c_at(const struct gemm_call *g, int i, int j) {
  return g->c_transposed ? g->c + (size_t)j * g->ldc + i : g->c + (size_t)i * g->ldc + j;
}

// A tile (ldt floats a row) into the rows × columns of C from C(i0, j0): an edge tile, or any tile of a C stored
// transposed.
static void merge(const struct gemm_call *g, const float *tile, int ldt, int rows, int columns, float beta, int i0,
                  int j0) {
  ptrdiff_t cs = g->c_transposed ? g->ldc : 1;  // between C(i, j) and C(i, j + 1)
  float alpha = g->alpha;
  for (int r = 0; r < rows; r++) {
    float *row = c_at(g, i0 + r, j0);
    const float *t = tile + r * ldt;
    if (beta == 0) {
      for (int j = 0; j < columns; j++) row[j * cs] = alpha * t[j];
    } else {
      for (int j = 0; j < columns; j++) row[j * cs] = alpha * t[j] + beta * row[j * cs];
    }
  }
}

static bp_sgemm_kernel kernel_for(bp_isa isa) {
#if defined(__x86_64__)
  if (isa >= BP_ISA_AVX2) return bp_sgemm_kernel_avx2;
#endif
  (void)isa;
  return bp_sgemm_kernel_generic;
}

// This thread's buffers for a block of `panels` column panels, grown if they are smaller.
struct buffers {
  float *pb, *pa;
  int *kept;  // per panel: the count of nonzero k-rows, then the rows
  // AVX-512 only (else NULL), per group of BP_GROUP panels: the count of rows, whether every panel is dense, then the
  // rows (in ints: two, then BP_GROUP_INTS per bp_group_row, so each group starts aligned for its rows)
  int *groups;
};

enum { BP_GROUP_INTS = sizeof(bp_group_row) / sizeof(int) };

static struct buffers buffers_for(const struct gemm_call *g, int panels) {
  int depth = bp_k_block(g->k), pack_all = g->acs != 1 && panels >= 4;
  size_t groups = (size_t)(panels + BP_GROUP - 1) / BP_GROUP;
  return (struct buffers){
    buffer(&packed_b, &packed_b_size, sizeof(float) * depth * panels * BP_NR),
    buffer(&packed_a, &packed_a_size, sizeof(float) * depth * (pack_all ? MC : BP_MR)),
    buffer(&kept_rows, &kept_rows_size, sizeof(int) * (depth + 1) * panels),
    g->wide ? buffer(&group_rows, &group_rows_size, sizeof(int) * (2 + (size_t)BP_GROUP_INTS * depth) * groups) : NULL};
}

// The nonzero k-rows of `panels` consecutive panels (their lists in `kept`) as one list for an AVX-512 tile:
// group[0] the count, group[1] whether every panel lists every row, then a bp_group_row for each k-row that any of
// them lists, saying which do.
static void group_rows_of(const int *kept, int panels, int kc, int *group) {
  unsigned char takes[KC_MAX] = {0};
  int dense = 1;
  for (int h = 0; h < panels; h++) {
    const int *list = kept + (size_t)h * (kc + 1);
    dense &= list[0] == kc;
    for (int i = 0; i < list[0]; i++) takes[list[1 + i]] |= 1 << h;
  }
  bp_group_row *rows = (bp_group_row *)(group + 2);
  int count = 0;
  for (int p = 0; p < kc; p++) {
    if (!takes[p]) continue;
    rows[count].p = p;
    for (int h = 0; h < BP_GROUP; h++) rows[count].take[h] = takes[p] >> h & 1 ? 0xFFFF : 0;
    count++;
  }
  group[0] = count;
  group[1] = dense;
}

// One k-block of a block of C: what the tiles read.
struct k_block {
  int i0, mc, p0, kc, j0, width;
  int in_place;  // rows of the block whose strips are read in place; the rest are packed in pa
  float beta;
  const float *pb, *pa;
  ptrdiff_t panel_size, b_step;  // panel h at pb + h·panel_size, its k-rows b_step apart (packed: kc·NR and NR)
  const int *kept, *groups;
  const int *finite_strip;  // per strip: whether it may skip zero rows
};

// Where strip r0 of the block starts, and its strides: in place in A, or packed.
static const float *strip(const struct gemm_call *g, const struct k_block *kb, int r0, ptrdiff_t *rs, ptrdiff_t *cs) {
  int packed = r0 >= kb->in_place;
  *rs = packed ? 1 : g->ars;
  *cs = packed ? BP_MR : g->acs;
  return packed ? kb->pa + (size_t)(r0 - kb->in_place) * kb->kc : g->a + (kb->i0 + r0) * g->ars + kb->p0 * g->acs;
}

// The 6 × 16 kernels: a tile per strip and panel, each panel skipping its own zero rows.
static void narrow_tiles(const struct gemm_call *g, const struct k_block *kb) {
  float tile[BP_MR * BP_NR];
  int kc = kb->kc;
  for (int q = 0; q * BP_NR < kb->width; q++) {
    int columns = kb->width - q * BP_NR < BP_NR ? kb->width - q * BP_NR : BP_NR;
    const float *panel = kb->pb + (size_t)q * kb->panel_size;  // packed: b_in_place is for the AVX-512 tiles only
    const int *list = kb->kept + (size_t)q * (kc + 1);
    for (int r0 = 0; r0 < kb->mc; r0 += BP_MR) {
      int height = kb->mc - r0 < BP_MR ? kb->mc - r0 : BP_MR;
      const int *rows = kb->finite_strip[r0 / BP_MR] && list[0] < kc ? list + 1 : NULL;
      int steps = rows ? list[0] : kc;
      ptrdiff_t rs, cs;
      const float *a = strip(g, kb, r0, &rs, &cs);
      int i = kb->i0 + r0, j = kb->j0 + q * BP_NR;
      if (height == BP_MR && columns == BP_NR && !g->c_transposed) {
        g->kernel(steps, rows, a, rs, cs, panel, g->alpha, kb->beta, c_at(g, i, j), g->ldc);
      } else {
        g->kernel(steps, rows, a, rs, cs, panel, 1, 0, tile, BP_NR);
        merge(g, tile, BP_NR, height, columns, kb->beta, i, j);
      }
    }
  }
}

#if defined(__x86_64__)
// AVX-512: a tile per strip and group of up to four panels, or, for a lone panel, per two strips where they pair
// (both read the same way, in place or packed, and both skipping or both not); the same sums as narrow_tiles.
static void wide_tiles(const struct gemm_call *g, const struct k_block *kb) {
  float tile[2 * BP_MR * BP_GROUP * BP_NR];
  int kc = kb->kc;
  ptrdiff_t panel_size = kb->panel_size;
  for (int q = 0; q * BP_NR < kb->width; q += BP_GROUP) {
    int left = (kb->width - q * BP_NR + BP_NR - 1) / BP_NR, panels = left < BP_GROUP ? left : BP_GROUP;
    int columns = kb->width - q * BP_NR < panels * BP_NR ? kb->width - q * BP_NR : panels * BP_NR;
    const float *panel = kb->pb + (size_t)q * panel_size;
    const int *group = kb->groups + (size_t)(q / BP_GROUP) * (2 + BP_GROUP_INTS * kc);
    for (int r0 = 0, strips; r0 < kb->mc; r0 += strips * BP_MR) {
      int s = r0 / BP_MR, packed = r0 >= kb->in_place;
      strips = panels == 1 && r0 + 2 * BP_MR <= kb->mc && (packed || r0 + 2 * BP_MR <= kb->in_place) &&
        kb->finite_strip[s] == kb->finite_strip[s + 1] ? 2 : 1;
      int height = kb->mc - r0 < strips * BP_MR ? kb->mc - r0 : strips * BP_MR;
      const bp_group_row *rows = kb->finite_strip[s] && !group[1] ? (const bp_group_row *)(group + 2) : NULL;
      int steps = rows ? group[0] : kc;
      ptrdiff_t rs, cs;
      const float *a = strip(g, kb, r0, &rs, &cs), *below = packed ? a + (size_t)BP_MR * kc : a + BP_MR * g->ars;
      int i = kb->i0 + r0, j = kb->j0 + q * BP_NR;
      if (height == strips * BP_MR && columns == panels * BP_NR && !g->c_transposed) {
        bp_sgemm_tile_avx512(strips, panels, steps, rows, a, below, rs, cs, panel, panel_size, kb->b_step, g->alpha,
                             kb->beta, c_at(g, i, j), g->ldc);
      } else {  // an edge: a short strip (packed with zeros below it), or fewer columns; or C transposed
        bp_sgemm_tile_avx512(strips, panels, steps, rows, a, below, rs, cs, panel, panel_size, kb->b_step, 1, 0,
                             tile, BP_GROUP * BP_NR);
        merge(g, tile, BP_GROUP * BP_NR, height, columns, kb->beta, i, j);
      }
    }
  }
}
#endif

// Rows row_begin … row_end − 1 of C and its column panels first … end − 1 (NR wide): all of the product for them.
static void gemm_block(const struct gemm_call *g, int row_begin, int row_end, int first, int end) {
  int j0 = first * BP_NR, width = (end * BP_NR < g->n ? end * BP_NR : g->n) - j0;
  if (width <= 0 || row_begin >= row_end) return;
  int depth = bp_k_block(g->k), pack_all = g->acs != 1 && end - first >= 4, panels = end - first;
  struct buffers buffers = buffers_for(g, panels);
  for (int p0 = 0; p0 < g->k; p0 += depth) {
    int kc = g->k - p0 < depth ? g->k - p0 : depth;
    // op(B)'s panels: packed, or where they are (then no zero rows are listed, and every strip reads them all).
    const float *pb = g->b_in_place ? g->b + p0 * g->brs + j0 : buffers.pb;
    int sparse = !g->b_in_place && pack_b(g, p0, kc, j0, width, buffers.pb, g->skips_zero_rows ? buffers.kept : NULL);
    if (sparse && g->wide) {
      for (int q = 0; q < panels; q += BP_GROUP) {
        group_rows_of(buffers.kept + (size_t)q * (kc + 1), panels - q < BP_GROUP ? panels - q : BP_GROUP, kc,
                      buffers.groups + (size_t)(q / BP_GROUP) * (2 + BP_GROUP_INTS * kc));
      }
    }
    for (int i0 = row_begin; i0 < row_end; i0 += MC) {
      int mc = row_end - i0 < MC ? row_end - i0 : MC, in_place = pack_all ? 0 : mc / BP_MR * BP_MR;
      if (in_place < mc) pack_a(g, i0 + in_place, mc - in_place, p0, kc, buffers.pa);
      // Whether each strip of MR rows may skip: decided per strip (threads split C in whole strips), so that the
      // choice, and with it the sign of a sum that is exactly zero, never depends on the number of threads. The
      // whole block is checked first: a transposed A's strips are lines of 6 floats, too short to check fast.
      int finite_strip[MC / BP_MR], block_finite = sparse && (g->a_is_finite || finite(g, i0, mc, p0, kc));
      for (int r0 = 0; r0 < mc; r0 += BP_MR) {
        finite_strip[r0 / BP_MR] =
          block_finite || (sparse && finite(g, i0 + r0, mc - r0 < BP_MR ? mc - r0 : BP_MR, p0, kc));
      }
      struct k_block kb = {i0, mc, p0, kc, j0, width, in_place, p0 == 0 ? g->beta : 1, pb, buffers.pa,
                           g->b_in_place ? BP_NR : (ptrdiff_t)kc * BP_NR, g->b_in_place ? g->brs : BP_NR,
                           buffers.kept, buffers.groups, finite_strip};
#if defined(__x86_64__)
      if (g->wide) {
        wide_tiles(g, &kb);
        continue;
      }
#endif
      narrow_tiles(g, &kb);
    }
  }
}

// Part `part` of `parts` takes an equal share of C's rows (in whole strips) when op(A) is the larger operand, so
// each thread reads only its share of A (and packs all of the smaller B), or else C's column panels (each thread
// packs only the panels it takes and reads all of the smaller A). Measured on B's training step with 2 threads,
// splitting by rows is 7 % faster than by columns whenever they divide evenly. Columns are handed out in chunks,
// each thread taking the next one when it is done, since skipped zero rows make some panels cheaper than others
// (the panels of an image's border pixels in dW = δ·Xᵀ). Shares never overlap: threads write disjoint parts of C,
// and each element's arithmetic is the same for any number of threads and any order of the chunks.
static void gemm_part(void *context, int part, int parts) {
  struct gemm_call *g = context;
  int panels = (g->n + BP_NR - 1) / BP_NR;
  if ((double)g->m * g->k < (double)g->k * g->n && panels >= parts) {
    if (parts == 1) {
      gemm_block(g, 0, g->m, 0, panels);
      return;
    }
    int chunk = (panels + 4 * parts - 1) / (4 * parts);  // about four chunks per thread
    // Every part sizes its buffers for a chunk, even one that finds no chunk left: a thread that comes late to
    // the first call of a shape would otherwise allocate at a later one (training allocates nothing after its
    // first step).
    buffers_for(g, chunk);
    for (int first; (first = atomic_fetch_add_explicit(&g->next_panel, chunk, memory_order_relaxed)) < panels;) {
      gemm_block(g, 0, g->m, first, first + chunk < panels ? first + chunk : panels);
    }
  } else {
    int strips = (g->m + BP_MR - 1) / BP_MR;
    int begin = strips * part / parts * BP_MR, end = strips * (part + 1) / parts * BP_MR;
    gemm_block(g, begin, end < g->m ? end : g->m, 0, panels);
  }
}

static void run(struct gemm_call *call) {
  // Below about a million multiply-adds, handing work to another thread costs more than it saves.
  int parts = (double)call->m * call->n * call->k >= 1e6 ? 64 : 1;
  bp_parallel(parts, gemm_part, call);
}

// Handles a product with no rows, columns or terms (C = β·C when k is 0); returns whether it was one.
static int empty_product(int m, int n, int k, float beta, float *c, int ldc) {
  if (m > 0 && n > 0 && k > 0) return 0;
  for (int i = 0; i < m && k <= 0; i++) {
    float *row = c + (size_t)i * ldc;
    for (int j = 0; j < n; j++) row[j] = beta == 0 ? 0 : beta * row[j];
  }
  return 1;
}

void bp_sgemm(int transpose_a, int transpose_b, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc) {
  if (empty_product(m, n, k, beta, c, ldc)) return;
  // One column or one row: a matrix–vector product, with the same chain of multiply-adds per element.
  if (n == 1) {
    bp_sgemv_into(transpose_a, m, k, alpha, a, lda, b, transpose_b ? 1 : ldb, beta, c, ldc);
    return;
  }
  if (m == 1) {  // C row = op(A) row · op(B), that is op(B)ᵀ · (op(A) row)
    bp_sgemv_into(!transpose_b, n, k, alpha, b, ldb, a, transpose_a ? lda : 1, beta, c, 1);
    return;
  }
  bp_isa isa = bp_isa_active();
  ptrdiff_t ars = transpose_a ? 1 : lda, acs = transpose_a ? lda : 1;
  ptrdiff_t brs = transpose_b ? 1 : ldb, bcs = transpose_b ? ldb : 1;
  // A narrow C (under one panel wide) from a transposed A, as in dW = A_prevᵀ·δ for a layer of 10 outputs, is made
  // as Cᵀ = op(B)ᵀ·op(A)ᵀ: op(A)ᵀ's rows are then contiguous, and its panels fill the tiles, where read in place,
  // the transposed A would bring a new cache line into L1 at every step of k for every strip, and the lone panel
  // would be 6/16 padding. Each element is the same sum in the same order. op(A)ᵀ gets no list of zero k-rows: used
  // by one or two strips, its panels are cheap to read and the list doubled the cost of packing them. With AVX-512,
  // and m a multiple of 16, the tiles read its panels where they are, without packing (B.dW3's 256 × 128 × 10:
  // 19 µs not swapped, 22 µs swapped with the list, 15 µs without, ~9 µs in place). Chosen by shape and
  // instruction set alone, so the number of threads never changes it; the sums are the same either way.
  int swap = transpose_a && n < BP_NR && m >= 2 * BP_NR, wide = isa >= BP_ISA_AVX512;
  struct gemm_call call = {
    .m = swap ? n : m, .n = swap ? m : n, .k = k, .a = swap ? b : a, .b = swap ? a : b,
    .ars = swap ? bcs : ars, .acs = swap ? brs : acs, .brs = swap ? acs : brs, .bcs = swap ? ars : bcs,
    .c = c, .ldc = ldc, .c_transposed = swap, .b_in_place = swap && wide && m % BP_NR == 0,
    .alpha = alpha, .beta = beta, .kernel = kernel_for(isa), .wide = wide, .skips_zero_rows = !keeps_zero_rows && !swap};
  run(&call);
}

void bp_sgemm_bytes(int transpose_x, int m, int n, int k, float alpha, const float *a, int lda,
                    const unsigned char *samples, const ptrdiff_t *offsets, float divisor, float beta, float *c,
                    int ldc, int a_is_finite) {
  if (empty_product(m, n, k, beta, c, ldc)) return;
  bp_isa isa = bp_isa_active();
  struct gemm_call call = {
    .m = m, .n = n, .k = k, .a = a, .ars = lda, .acs = 1, .c = c, .ldc = ldc, .alpha = alpha, .beta = beta,
    .kernel = kernel_for(isa), .wide = isa >= BP_ISA_AVX512, .skips_zero_rows = !keeps_zero_rows,
    .a_is_finite = a_is_finite, .bytes = samples, .offsets = offsets,
    .scale = bp_byte_scale_of(divisor), .bytes_transposed = transpose_x};
  run(&call);
}

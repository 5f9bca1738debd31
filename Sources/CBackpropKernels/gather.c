// The batch gather: samples stored as rows of bytes (MNIST pixels) become the columns of A[0], each byte b as
// b / divisor. It is a transpose with a conversion, so the AVX2 path converts 8 bytes of each of 8 samples and
// transposes the 8 × 8 block in registers; both paths divide exactly, so they give the same bits.
#include <math.h>
#include "CBackpropKernels.h"
#include "gemm_kernels.h"

// The corrected product is checked for all 256 bytes in the same operations as bp_bytes_divided, scalar.
#pragma STDC FP_CONTRACT OFF

bp_byte_scale bp_byte_scale_of(float divisor) {
  // The last scale made, per thread: every product packed from bytes asks, and all use 255.
  static _Thread_local bp_byte_scale last = {NAN, 0};
  if (divisor == last.divisor) return last;
  float r = 1 / divisor;
  int exact = divisor == divisor && r != 0 && r == r;
  for (int b = 0; b < 256 && exact; b++) {
    float x = (float)b, q = x * r;
    exact = fmaf(fmaf(-q, divisor, x), r, q) == x / divisor;
  }
  last = (bp_byte_scale){divisor, exact ? r : 0};
  return last;
}

struct gather_call {
  const unsigned char *samples;
  const ptrdiff_t *offsets;
  int m, features, ldx;
  bp_byte_scale scale;
  float *x;
};

static void gather_generic(const struct gather_call *g, int j0, int j1, int k0, int k1) {
  for (int k = k0; k < k1; k++) {
    float *row = g->x + (size_t)k * g->ldx;
    for (int j = j0; j < j1; j++) row[j] = (float)g->samples[g->offsets[j] + k] / g->scale.divisor;
  }
}

#if defined(__x86_64__)
#include <immintrin.h>
#include "transpose_avx2.h"

__attribute__((target("avx2,fma")))
static void gather_avx2(const struct gather_call *g, int k0, int k1) {
  int j = 0, k_end = k0 + (k1 - k0) / 8 * 8;
  for (; j + 8 <= g->m; j += 8) {
    const unsigned char *s[8];
    for (int t = 0; t < 8; t++) s[t] = g->samples + g->offsets[j + t];
    for (int k = k0; k < k_end; k += 8) {
      __m256 r[8];
      bp_bytes8x8_transposed(s, k, g->scale, r);
      float *out = g->x + (size_t)k * g->ldx + j;
      for (int t = 0; t < 8; t++) _mm256_storeu_ps(out + t * (size_t)g->ldx, r[t]);
    }
  }
  gather_generic(g, 0, j, k_end, k1);   // features past the last block of 8
  // Samples past the last block of 8 (all of a batch of one), 8 features at a time.
  for (; j < g->m; j++) {
    const unsigned char *sample = g->samples + g->offsets[j];
    float values[8];
    for (int k = k0; k < k_end; k += 8) {
      __m256i bytes = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(sample + k)));
      __m256 v = bp_bytes_divided(_mm256_cvtepi32_ps(bytes), g->scale);
      if (g->ldx == 1) {
        _mm256_storeu_ps(g->x + k, v);
      } else {
        _mm256_storeu_ps(values, v);
        for (int t = 0; t < 8; t++) g->x[(size_t)(k + t) * g->ldx + j] = values[t];
      }
    }
    gather_generic(g, j, j + 1, k_end, k1);
  }
}
#endif

// Part `part` of `parts` fills an equal share of the features (rows of A[0]), in blocks of 8.
static void gather_part(void *context, int part, int parts) {
  const struct gather_call *g = context;
  int blocks = (g->features + 7) / 8;
  int k0 = blocks * part / parts * 8, k1 = blocks * (part + 1) / parts * 8;
  if (k1 > g->features) k1 = g->features;
  if (k0 >= k1) return;
#if defined(__x86_64__)
  if (bp_isa_active() >= BP_ISA_AVX2) {
    gather_avx2(g, k0, k1);
    return;
  }
#endif
  gather_generic(g, 0, g->m, k0, k1);
}

void bp_gather_bytes(const unsigned char *samples, const ptrdiff_t *offsets, int m, int features, float divisor, float *x,
                     int ldx) {
  struct gather_call call = {samples, offsets, m, features, ldx, bp_byte_scale_of(divisor), x};
  // A batch of 64 MNIST images is 50,000 bytes: worth a second thread; a handful of features is not.
  bp_parallel((double)m * features >= 32768 ? 64 : 1, gather_part, &call);
}

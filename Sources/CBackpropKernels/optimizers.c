// The optimizers' per-element updates as plain loops the compiler vectorizes: once for the baseline CPU and once
// for AVX2 (wider registers, the same IEEE operations). Contraction into fused multiply-adds is off and the AVX2
// clone is not given FMA, so every path rounds alike and equals the Swift loops beside each optimizer's math.
#include <math.h>
#include "CBackpropKernels.h"

#pragma STDC FP_CONTRACT OFF

#define ADAM_LOOP                                                            \
  for (size_t i = 0; i < n; i++) {                                           \
    float mi = beta1 * m[i] + (1 - beta1) * g[i];                            \
    float vi = beta2 * v[i] + (1 - beta2) * g[i] * g[i];                     \
    m[i] = mi;                                                               \
    v[i] = vi;                                                               \
    w[i] -= step_size * mi / (sqrtf(vi) / correction2 + epsilon);            \
  }

static void adam_generic(size_t n, float *restrict w, const float *restrict g, float *restrict m, float *restrict v,
                         float beta1, float beta2, float epsilon, float step_size, float correction2) {
  ADAM_LOOP
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
static void adam_avx2(size_t n, float *restrict w, const float *restrict g, float *restrict m, float *restrict v,
                      float beta1, float beta2, float epsilon, float step_size, float correction2) {
  ADAM_LOOP
}
#endif

void bp_sgd_update(size_t n, float *w, const float *g, float eta) {
  for (size_t i = 0; i < n; i++) w[i] -= eta * g[i];
}

struct adam_call {
  size_t n;
  float *w, *m, *v;
  const float *g;
  float beta1, beta2, epsilon, step_size, correction2;
};

// Part `part` updates its own range of elements (a multiple of 64 long), so threads never share a cache line.
static void adam_part(void *context, int part, int parts) {
  const struct adam_call *a = context;
  size_t blocks = (a->n + 63) / 64;
  size_t begin = blocks * part / parts * 64, end = blocks * (part + 1) / parts * 64;
  if (end > a->n) end = a->n;
  if (begin >= end) return;
  size_t count = end - begin;
#if defined(__x86_64__)
  if (bp_isa_active() == BP_ISA_AVX2) {
    adam_avx2(count, a->w + begin, a->g + begin, a->m + begin, a->v + begin, a->beta1, a->beta2, a->epsilon,
              a->step_size, a->correction2);
    return;
  }
#endif
  adam_generic(count, a->w + begin, a->g + begin, a->m + begin, a->v + begin, a->beta1, a->beta2, a->epsilon,
               a->step_size, a->correction2);
}

void bp_adam_update(size_t n, float *w, const float *g, float *m, float *v, float beta1, float beta2, float epsilon,
                    float step_size, float correction2) {
  struct adam_call call = {n, w, m, v, g, beta1, beta2, epsilon, step_size, correction2};
  bp_parallel(n >= 65536 ? 64 : 1, adam_part, &call);
}

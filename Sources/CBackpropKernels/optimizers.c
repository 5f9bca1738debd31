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

void bp_adam_update(size_t n, float *w, const float *g, float *m, float *v, float beta1, float beta2, float epsilon,
                    float step_size, float correction2) {
#if defined(__x86_64__)
  if (bp_isa_active() == BP_ISA_AVX2) {
    adam_avx2(n, w, g, m, v, beta1, beta2, epsilon, step_size, correction2);
    return;
  }
#endif
  adam_generic(n, w, g, m, v, beta1, beta2, epsilon, step_size, correction2);
}

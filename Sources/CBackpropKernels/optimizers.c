// The optimizers' per-element updates as plain loops the compiler vectorizes: once for the baseline CPU and once
// for AVX2 (wider registers, the same IEEE operations). Contraction into fused multiply-adds is off and the AVX2
// clone is not given FMA, so every path rounds alike and equals the Swift loops beside each optimizer's math.
#include <float.h>
#include <math.h>
#include "CBackpropKernels.h"

#pragma STDC FP_CONTRACT OFF

// A running average (Adam's m and v, a velocity) below the smallest normal float (FLT_MIN, ~1.2e-38) is stored as
// 0, NaN kept, as the Swift rules store theirs (flushedToZero in Optimizer.swift says why: subnormal arithmetic
// takes microcode assists on Intel CPUs).
static inline float flushed(float x) { return fabsf(x) < FLT_MIN ? 0 : x; }

#define ADAM_LOOP                                                            \
  for (size_t i = 0; i < n; i++) {                                           \
    float mi = flushed(beta1 * m[i] + (1 - beta1) * g[i]);                   \
    float vi = flushed(beta2 * v[i] + (1 - beta2) * g[i] * g[i]);            \
    m[i] = mi;                                                               \
    v[i] = vi;                                                               \
    w[i] -= step_size * mi / (sqrtf(vi) / correction2 + epsilon);            \
  }

static void adam_generic(size_t n, float *restrict w, const float *restrict g, float *restrict m, float *restrict v,
                         float beta1, float beta2, float epsilon, float step_size, float correction2) {
  ADAM_LOOP
}

#if defined(__x86_64__)
#include <immintrin.h>

// `flushed` on 8 lanes.
__attribute__((target("avx2")))
static inline __m256 flushed8(__m256 x) {
  __m256 magnitude = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
  return _mm256_andnot_ps(_mm256_cmp_ps(magnitude, _mm256_set1_ps(FLT_MIN), _CMP_LT_OQ), x);
}

// Adam in intrinsics: the loop above is not vectorized by the compiler, because sqrtf may set errno. The same IEEE
// operations in the same order (vsqrtps and vdivps round correctly, as sqrtf and / do), so the same bits.
__attribute__((target("avx2")))
static void adam_avx2(size_t n, float *restrict w, const float *restrict g, float *restrict m, float *restrict v,
                      float beta1, float beta2, float epsilon, float step_size, float correction2) {
  __m256 b1 = _mm256_set1_ps(beta1), c1 = _mm256_set1_ps(1 - beta1);
  __m256 b2 = _mm256_set1_ps(beta2), c2 = _mm256_set1_ps(1 - beta2);
  __m256 eps = _mm256_set1_ps(epsilon), step = _mm256_set1_ps(step_size), correction = _mm256_set1_ps(correction2);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 gi = _mm256_loadu_ps(g + i);
    __m256 mi = flushed8(_mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(c1, gi)));
    __m256 vi = flushed8(
      _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(c2, gi), gi)));
    _mm256_storeu_ps(m + i, mi);
    _mm256_storeu_ps(v + i, vi);
    __m256 denominator = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), correction), eps);
    _mm256_storeu_ps(w + i, _mm256_sub_ps(_mm256_loadu_ps(w + i), _mm256_div_ps(_mm256_mul_ps(step, mi), denominator)));
  }
  adam_generic(n - i, w + i, g + i, m + i, v + i, beta1, beta2, epsilon, step_size, correction2);
}
#endif

static void sgd_generic(size_t n, float *restrict w, const float *restrict g, float eta) {
  for (size_t i = 0; i < n; i++) w[i] -= eta * g[i];
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
static void sgd_avx2(size_t n, float *restrict w, const float *restrict g, float eta) {
  for (size_t i = 0; i < n; i++) w[i] -= eta * g[i];
}
#endif

// Gradient descent with momentum (PyTorch's torch.optim.SGD, dampening 0): v ← μ·v + g, then w ← w − η·v, or with
// Nesterov w ← w − η·(g + μ·v), the new v.
#define SGD_MOMENTUM_LOOP                                                    \
  for (size_t i = 0; i < n; i++) {                                           \
    float vi = flushed(momentum * v[i] + g[i]);                              \
    v[i] = vi;                                                               \
    w[i] -= eta * vi;                                                        \
  }

#define SGD_NESTEROV_LOOP                                                    \
  for (size_t i = 0; i < n; i++) {                                           \
    float vi = flushed(momentum * v[i] + g[i]);                              \
    v[i] = vi;                                                               \
    w[i] -= eta * (g[i] + momentum * vi);                                    \
  }

static void sgd_momentum_generic(size_t n, float *restrict w, const float *restrict g, float *restrict v, float eta,
                                 float momentum, int nesterov) {
  if (nesterov) {
    SGD_NESTEROV_LOOP
  } else {
    SGD_MOMENTUM_LOOP
  }
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
static void sgd_momentum_avx2(size_t n, float *restrict w, const float *restrict g, float *restrict v, float eta,
                              float momentum, int nesterov) {
  if (nesterov) {
    SGD_NESTEROV_LOOP
  } else {
    SGD_MOMENTUM_LOOP
  }
}
#endif

// Runs rule(call, begin, count) on consecutive ranges of the n elements, split over the threads from 65,536
// elements; each range is a multiple of 64 elements long, so threads never share a cache line.
typedef void (*range_rule)(const void *call, size_t begin, size_t count);

struct ranges {
  size_t n;
  range_rule rule;
  const void *call;
};

static void ranges_part(void *context, int part, int parts) {
  const struct ranges *r = context;
  size_t blocks = (r->n + 63) / 64, begin = blocks * part / parts * 64, end = blocks * (part + 1) / parts * 64;
  if (end > r->n) end = r->n;
  if (begin < end) r->rule(r->call, begin, end - begin);
}

static void over_ranges(size_t n, range_rule rule, const void *call) {
  struct ranges ranges = {n, rule, call};
  bp_parallel(n >= 65536 ? 64 : 1, ranges_part, &ranges);
}

struct adam_call {
  float *w, *m, *v;
  const float *g;
  float beta1, beta2, epsilon, step_size, correction2;
};

static void adam_range(const void *call, size_t begin, size_t count) {
  const struct adam_call *a = call;
#if defined(__x86_64__)
  if (bp_isa_active() >= BP_ISA_AVX2) {
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
  struct adam_call call = {w, m, v, g, beta1, beta2, epsilon, step_size, correction2};
  over_ranges(n, adam_range, &call);
}

struct sgd_call {
  float *w;
  const float *g;
  float eta;
};

static void sgd_range(const void *call, size_t begin, size_t count) {
  const struct sgd_call *a = call;
#if defined(__x86_64__)
  if (bp_isa_active() >= BP_ISA_AVX2) {
    sgd_avx2(count, a->w + begin, a->g + begin, a->eta);
    return;
  }
#endif
  sgd_generic(count, a->w + begin, a->g + begin, a->eta);
}

void bp_sgd_update(size_t n, float *w, const float *g, float eta) {
  struct sgd_call call = {w, g, eta};
  over_ranges(n, sgd_range, &call);
}

void bp_dsgd_update(size_t n, double *restrict w, const double *restrict g, double eta) {
  for (size_t i = 0; i < n; i++) w[i] -= eta * g[i];
}

struct sgd_momentum_call {
  float *w, *v;
  const float *g;
  float eta, momentum;
  int nesterov;
};

static void sgd_momentum_range(const void *call, size_t begin, size_t count) {
  const struct sgd_momentum_call *a = call;
#if defined(__x86_64__)
  if (bp_isa_active() >= BP_ISA_AVX2) {
    sgd_momentum_avx2(count, a->w + begin, a->g + begin, a->v + begin, a->eta, a->momentum, a->nesterov);
    return;
  }
#endif
  sgd_momentum_generic(count, a->w + begin, a->g + begin, a->v + begin, a->eta, a->momentum, a->nesterov);
}

void bp_sgd_momentum_update(size_t n, float *w, const float *g, float *v, float eta, float momentum, int nesterov) {
  struct sgd_momentum_call call = {w, v, g, eta, momentum, nesterov};
  over_ranges(n, sgd_momentum_range, &call);
}

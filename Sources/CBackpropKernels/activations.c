// Activations in single precision: the bias added and g applied in one pass over Z (the forward epilogue), the
// softmax over each column, and dZ = dA ∘ g′ for the backward pass. Every function is written twice with the same
// IEEE operations in the same order, once for 8 lanes (AVX2 + FMA) and once per element (fmaf, rintf), so the
// two paths give the same bits.
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "CBackpropKernels.h"

#pragma STDC FP_CONTRACT OFF

// e^x for x in [−87, 88] (clamped outside, so it neither overflows nor goes subnormal): x = n·ln 2 + r with
// |r| ≤ ln 2 / 2, e^r by Cephes' degree-6 polynomial, 2^n put in the exponent. Relative error ≤ 2 ulp.
#define EXP_LOW -87.0f
#define EXP_HIGH 88.0f
#define LOG2E 1.44269504088896341f
#define LN2_HIGH 0.693359375f
#define LN2_LOW -2.12194440e-4f
#define P0 1.9875691500e-4f
#define P1 1.3981999507e-3f
#define P2 8.3334519073e-3f
#define P3 4.1665795894e-2f
#define P4 1.6666665459e-1f
#define P5 5.0000001201e-1f

static inline float exp_scalar(float x) {
  if (x != x) return x;  // NaN stays NaN (the vector path gets there through the polynomial)
  x = x < EXP_LOW ? EXP_LOW : x;
  x = x > EXP_HIGH ? EXP_HIGH : x;
  float n = rintf(x * LOG2E);
  float r = fmaf(n, -LN2_HIGH, x);
  r = fmaf(n, -LN2_LOW, r);
  float p = fmaf(fmaf(fmaf(fmaf(fmaf(P0, r, P1), r, P2), r, P3), r, P4), r, P5);
  float y = fmaf(p, r * r, r) + 1;
  int32_t bits = ((int32_t)n + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  return y * scale;
}

static inline float relu_scalar(float z) { return z < 0 ? 0 : z; }
static inline float leaky_scalar(float z) { return z > 0 ? z : 0.01f * z; }
static inline float sigmoid_scalar(float z) { return 1 / (1 + exp_scalar(0 - z)); }  // 0 − z, as the vector path (a NaN keeps its sign)

// The portable loops are inlined into the AVX2 functions too, for their tails: there, fmaf is an instruction, not a
// call into libm (which was 1 % of inference one image at a time, from the softmax of a single column).
__attribute__((always_inline))
static inline void bias_activation_generic(bp_activation kind, int rows, int columns, const float *bias, float *z, float *a) {
  for (int i = 0; i < rows; i++) {
    float *zi = z + (size_t)i * columns, *ai = a + (size_t)i * columns;
    if (bias) {
      float b = bias[i];
      for (int j = 0; j < columns; j++) zi[j] += b;
    }
    for (int j = 0; j < columns; j++) {
      switch (kind) {
      case BP_ACTIVATION_RELU: ai[j] = relu_scalar(zi[j]); break;
      case BP_ACTIVATION_LEAKY_RELU: ai[j] = leaky_scalar(zi[j]); break;
      case BP_ACTIVATION_SIGMOID: ai[j] = sigmoid_scalar(zi[j]); break;
      default: ai[j] = zi[j]; break;
      }
    }
  }
}

__attribute__((always_inline))
static inline void softmax_columns_generic(int rows, int columns, int j0, const float *z, float *a) {
  for (int j = j0; j < columns; j++) {
    float maximum = z[j];
    for (int k = 1; k < rows; k++) maximum = maximum > z[(size_t)k * columns + j] ? maximum : z[(size_t)k * columns + j];
    float sum = 0;
    for (int k = 0; k < rows; k++) {
      float e = exp_scalar(z[(size_t)k * columns + j] - maximum);
      a[(size_t)k * columns + j] = e;
      sum += e;
    }
    for (int k = 0; k < rows; k++) a[(size_t)k * columns + j] /= sum;
  }
}

__attribute__((always_inline))
static inline void activation_backward_generic(bp_activation kind, size_t count, const float *z, const float *a, float *d) {
  for (size_t i = 0; i < count; i++) {
    switch (kind) {
    case BP_ACTIVATION_RELU: d[i] *= z[i] > 0 ? 1.0f : 0.0f; break;
    case BP_ACTIVATION_LEAKY_RELU: d[i] *= z[i] > 0 ? 1.0f : 0.01f; break;
    case BP_ACTIVATION_SIGMOID: d[i] *= a[i] * (1 - a[i]); break;
    case BP_ACTIVATION_TANH: d[i] *= 1 - a[i] * a[i]; break;
    default: break;
    }
  }
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2,fma")))
static inline __m256 exp_avx2(__m256 x) {
  x = _mm256_max_ps(_mm256_set1_ps(EXP_LOW), x);  // operands in this order keep a NaN x
  x = _mm256_min_ps(_mm256_set1_ps(EXP_HIGH), x);
  __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(-LN2_HIGH), x);
  r = _mm256_fmadd_ps(n, _mm256_set1_ps(-LN2_LOW), r);
  __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(P0), r, _mm256_set1_ps(P1));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P2));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P3));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P4));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P5));
  __m256 y = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1));
  __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(bits));
}

__attribute__((target("avx2,fma")))
static inline __m256 activated_avx2(bp_activation kind, __m256 v) {
  __m256 zero = _mm256_setzero_ps();
  switch (kind) {
  case BP_ACTIVATION_RELU: return _mm256_blendv_ps(v, zero, _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
  case BP_ACTIVATION_LEAKY_RELU:
    return _mm256_blendv_ps(_mm256_mul_ps(_mm256_set1_ps(0.01f), v), v, _mm256_cmp_ps(v, zero, _CMP_GT_OQ));
  case BP_ACTIVATION_SIGMOID: {
    __m256 one = _mm256_set1_ps(1);
    return _mm256_div_ps(one, _mm256_add_ps(one, exp_avx2(_mm256_sub_ps(zero, v))));
  }
  default: return v;
  }
}

__attribute__((target("avx2,fma")))
static void bias_activation_avx2(bp_activation kind, int rows, int columns, const float *bias, float *z, float *a) {
  if (columns == 1) {  // one sample (inference one at a time): Z is a vector, each element with its own bias
    int i = 0;
    for (; i + 8 <= rows; i += 8) {
      __m256 v = _mm256_loadu_ps(z + i);
      if (bias) {
        v = _mm256_add_ps(v, _mm256_loadu_ps(bias + i));
        _mm256_storeu_ps(z + i, v);
      }
      _mm256_storeu_ps(a + i, activated_avx2(kind, v));
    }
    bias_activation_generic(kind, rows - i, 1, bias ? bias + i : NULL, z + i, a + i);
    return;
  }
  for (int i = 0; i < rows; i++) {
    float *zi = z + (size_t)i * columns, *ai = a + (size_t)i * columns;
    __m256 b = _mm256_set1_ps(bias ? bias[i] : 0);
    int j = 0;
    for (; j + 8 <= columns; j += 8) {
      __m256 v = _mm256_loadu_ps(zi + j);
      if (bias) {
        v = _mm256_add_ps(v, b);
        _mm256_storeu_ps(zi + j, v);
      }
      _mm256_storeu_ps(ai + j, activated_avx2(kind, v));
    }
    if (j < columns) {
      float bi = bias ? bias[i] : 0;
      for (int t = j; t < columns; t++) {
        if (bias) zi[t] += bi;
        switch (kind) {
        case BP_ACTIVATION_RELU: ai[t] = relu_scalar(zi[t]); break;
        case BP_ACTIVATION_LEAKY_RELU: ai[t] = leaky_scalar(zi[t]); break;
        case BP_ACTIVATION_SIGMOID: ai[t] = sigmoid_scalar(zi[t]); break;
        default: ai[t] = zi[t]; break;
        }
      }
    }
  }
}

// Eight columns (samples) at a time: the maximum, the exponentials and their sum run down the rows in the scalar
// path's order.
__attribute__((target("avx2,fma")))
static void softmax_columns_avx2(int rows, int columns, const float *z, float *a) {
  int j = 0;
  for (; j + 8 <= columns; j += 8) {
    __m256 maximum = _mm256_loadu_ps(z + j);
    for (int k = 1; k < rows; k++) maximum = _mm256_max_ps(maximum, _mm256_loadu_ps(z + (size_t)k * columns + j));
    __m256 sum = _mm256_setzero_ps();
    for (int k = 0; k < rows; k++) {
      __m256 e = exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(z + (size_t)k * columns + j), maximum));
      _mm256_storeu_ps(a + (size_t)k * columns + j, e);
      sum = _mm256_add_ps(sum, e);
    }
    for (int k = 0; k < rows; k++) {
      float *ak = a + (size_t)k * columns + j;
      _mm256_storeu_ps(ak, _mm256_div_ps(_mm256_loadu_ps(ak), sum));
    }
  }
  softmax_columns_generic(rows, columns, j, z, a);
}

__attribute__((target("avx2,fma")))
static void activation_backward_avx2(bp_activation kind, size_t count, const float *z, const float *a, float *d) {
  __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1), slope = _mm256_set1_ps(0.01f);
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    __m256 factor;
    switch (kind) {
    case BP_ACTIVATION_RELU: factor = _mm256_and_ps(_mm256_cmp_ps(_mm256_loadu_ps(z + i), zero, _CMP_GT_OQ), one); break;
    case BP_ACTIVATION_LEAKY_RELU:
      factor = _mm256_blendv_ps(slope, one, _mm256_cmp_ps(_mm256_loadu_ps(z + i), zero, _CMP_GT_OQ));
      break;
    case BP_ACTIVATION_SIGMOID: {
      __m256 ai = _mm256_loadu_ps(a + i);
      factor = _mm256_mul_ps(ai, _mm256_sub_ps(one, ai));
      break;
    }
    case BP_ACTIVATION_TANH: {
      __m256 ai = _mm256_loadu_ps(a + i);
      factor = _mm256_sub_ps(one, _mm256_mul_ps(ai, ai));
      break;
    }
    default: return;
    }
    _mm256_storeu_ps(d + i, _mm256_mul_ps(_mm256_loadu_ps(d + i), factor));
  }
  activation_backward_generic(kind, count - i, z + i, a + i, d + i);
}
#endif

static int avx2(void) { return bp_isa_active() >= BP_ISA_AVX2; }

void bp_bias_activation(bp_activation kind, int rows, int columns, const float *bias, float *z, float *a) {
#if defined(__x86_64__)
  if (avx2()) {
    bias_activation_avx2(kind, rows, columns, bias, z, a);
    return;
  }
#endif
  bias_activation_generic(kind, rows, columns, bias, z, a);
}

void bp_softmax_columns(int rows, int columns, const float *z, float *a) {
#if defined(__x86_64__)
  if (avx2()) {
    softmax_columns_avx2(rows, columns, z, a);
    return;
  }
#endif
  softmax_columns_generic(rows, columns, 0, z, a);
}

void bp_activation_backward(bp_activation kind, size_t count, const float *z, const float *a, float *d) {
#if defined(__x86_64__)
  if (avx2()) {
    activation_backward_avx2(kind, count, z, a, d);
    return;
  }
#endif
  activation_backward_generic(kind, count, z, a, d);
}

float bp_expf(float x) { return exp_scalar(x); }

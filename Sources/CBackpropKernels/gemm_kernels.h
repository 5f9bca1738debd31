// The micro-kernels behind bp_sgemm: each computes one MR×NR tile of A·B from packed panels.
#ifndef GEMM_KERNELS_H
#define GEMM_KERNELS_H

enum { BP_MR = 6, BP_NR = 16 };

/// The k-block of every product: each C element is a chain of fused multiply-adds over KC_GEMV values of k,
/// merged into C block after block. bp_sgemm and bp_sgemv_into must agree on it to give the same bits.
enum { KC_GEMV = 256, MC_GEMV = 64 };

/// C[i·ldc] = alpha·Σ_p op(A)[i, p]·x[p] + beta·C[i·ldc] (n = 1), with bp_sgemm's exact arithmetic.
void bp_sgemv_into(int transpose_a, int m, int k, float alpha, const float *a, int lda, const float *x,
                   float beta, float *c, int ldc);

/// tile[r*BP_NR + j] = Σ_p a[p*BP_MR + r] · b[p*BP_NR + j], summed p = 0, 1, … with fused multiply-adds from 0.
typedef void (*bp_sgemm_kernel)(int kc, const float *a, const float *b, float *tile);

void bp_sgemm_kernel_generic(int kc, const float *a, const float *b, float *tile);
#if defined(__x86_64__)
void bp_sgemm_kernel_avx2(int kc, const float *a, const float *b, float *tile);
#endif

#endif

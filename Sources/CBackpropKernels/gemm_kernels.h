// The micro-kernels behind bp_sgemm: each computes one MR×NR tile of A·B from packed panels.
#ifndef GEMM_KERNELS_H
#define GEMM_KERNELS_H

enum { BP_MR = 6, BP_NR = 16 };

/// tile[r*BP_NR + j] = Σ_p a[p*BP_MR + r] · b[p*BP_NR + j], summed p = 0, 1, … with fused multiply-adds from 0.
typedef void (*bp_sgemm_kernel)(int kc, const float *a, const float *b, float *tile);

void bp_sgemm_kernel_generic(int kc, const float *a, const float *b, float *tile);
#if defined(__x86_64__)
void bp_sgemm_kernel_avx2(int kc, const float *a, const float *b, float *tile);
#endif

#endif

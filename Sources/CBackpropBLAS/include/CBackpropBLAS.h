// A CBLAS library (OpenBLAS, or Accelerate on Apple platforms), reached through dlopen so that Backprop builds
// without its headers or a link-time dependency, and the process-wide choice of the library the Float products
// use. Internal to Backprop: this target promises no API. See README.md.

#ifndef CBACKPROPBLAS_H
#define CBACKPROPBLAS_H

#ifdef __cplusplus
extern "C" {
#endif

/// CBLAS's enum values (cblas.h): the order and the transpositions. C enums are passed as `int`.
#define BP_CBLAS_ROW_MAJOR 101
#define BP_CBLAS_NO_TRANS 111
#define BP_CBLAS_TRANS 112

/// `cblas_sgemm` with 32-bit integers (the LP64 interface of libopenblas.so.0 and of Accelerate's classic CBLAS):
/// C = alpha·op(A)·op(B) + beta·C. When beta is 0, C is set without being read.
typedef void (*bp_cblas_sgemm_fn)(int order, int transpose_a, int transpose_b, int m, int n, int k, float alpha,
                                  const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

/// An opened CBLAS library: the dlopen handle and the functions Backprop uses. Only `sgemm` is required; the
/// others are NULL where the library lacks them (Accelerate has none of them).
typedef struct bp_blas {
  void *handle;
  bp_cblas_sgemm_fn sgemm;                  // cblas_sgemm
  void (*set_num_threads)(int threads);     // openblas_set_num_threads
  const char *(*get_config)(void);          // openblas_get_config: "OpenBLAS 0.3.21 DYNAMIC_ARCH …"
  const char *(*get_corename)(void);        // openblas_get_corename: "Haswell", "Zen", …
} bp_blas;

/// Opens the first of `names` that dlopen can load and that has `cblas_sgemm`, and fills `blas`. Returns the index
/// of that name; otherwise clears `blas` and returns -2 when a library was loaded but lacked `cblas_sgemm`, or -1
/// when none could be loaded.
int bp_blas_open(bp_blas *blas, const char *const *names, int count);

/// Closes a library opened by `bp_blas_open`. It must not be selected (below) on any thread.
void bp_blas_close(bp_blas *blas);

/// Makes `blas` (which must stay open) the library of every Float product in the process, with `backend` as the
/// caller's name for it; NULL and 0 go back to Backprop's own kernels.
void bp_blas_select(int backend, const bp_blas *blas);

/// The same for the calling thread only, over the process-wide choice, until `bp_blas_select_on_thread_end`;
/// for tests that must not disturb products running at the same time on other threads. It leaves the library's
/// thread count alone (and `bp_blas_set_threads` does not reach it), since other threads may be changing theirs.
void bp_blas_select_on_thread(int backend, const bp_blas *blas);
void bp_blas_select_on_thread_end(void);

/// The `backend` given to the selection in force on the calling thread: 0 for Backprop's own kernels.
int bp_blas_selected(void);

/// The `cblas_sgemm` the calling thread's products use, or NULL for Backprop's own kernels. One relaxed atomic
/// load (and a test of a second word beside it, for the per-thread selections of tests).
bp_cblas_sgemm_fn bp_blas_active_sgemm(void);

/// Calls openblas_set_num_threads of the last library selected process-wide that has it (it stays in force after
/// going back to the own kernels, for a later selection); does nothing when none has been.
void bp_blas_set_threads(int threads);

#ifdef __cplusplus
}
#endif

#endif

#include "CBackpropBLAS.h"

#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#if defined(_WIN32)

int bp_blas_open(bp_blas *blas, const char *const *names, int count) {
  (void)names;
  (void)count;
  memset(blas, 0, sizeof *blas);
  return -1;
}

void bp_blas_close(bp_blas *blas) { memset(blas, 0, sizeof *blas); }

#else

#include <dlfcn.h>

int bp_blas_open(bp_blas *blas, const char *const *names, int count) {
  int result = -1;
  memset(blas, 0, sizeof *blas);
  for (int i = 0; i < count; i++) {
    void *handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) continue;
    // A function pointer from dlsym's void *: POSIX guarantees the conversion works.
    *(void **)&blas->sgemm = dlsym(handle, "cblas_sgemm");
    if (blas->sgemm == NULL) {
      dlclose(handle);
      memset(blas, 0, sizeof *blas);
      result = -2;
      continue;
    }
    *(void **)&blas->set_num_threads = dlsym(handle, "openblas_set_num_threads");
    *(void **)&blas->get_config = dlsym(handle, "openblas_get_config");
    *(void **)&blas->get_corename = dlsym(handle, "openblas_get_corename");
    blas->handle = handle;
    return i;
  }
  return result;
}

void bp_blas_close(bp_blas *blas) {
  if (blas->handle != NULL) dlclose(blas->handle);
  memset(blas, 0, sizeof *blas);
}

#endif

// MARK: The selection

// The process-wide choice, in one cache line: the products read `sgemm` and `thread_selections` (almost always 0).
static struct {
  _Atomic(bp_cblas_sgemm_fn) sgemm;  // NULL: Backprop's own kernels
  _Atomic int thread_selections;     // threads that have a selection of their own now
  _Atomic int backend;
  _Atomic(void (*)(int)) set_threads;  // openblas_set_num_threads of the last library selected process-wide
} state;

// A selection for the calling thread only (tests).
static _Thread_local int thread_has_selection;
static _Thread_local int thread_backend;
static _Thread_local bp_cblas_sgemm_fn thread_sgemm;

static void remember_thread_setting(const bp_blas *blas) {
  if (blas != NULL && blas->set_num_threads != NULL)
    atomic_store_explicit(&state.set_threads, blas->set_num_threads, memory_order_release);
}

void bp_blas_select(int backend, const bp_blas *blas) {
  remember_thread_setting(blas);
  atomic_store_explicit(&state.backend, blas == NULL ? 0 : backend, memory_order_release);
  atomic_store_explicit(&state.sgemm, blas == NULL ? NULL : blas->sgemm, memory_order_release);
}

void bp_blas_select_on_thread(int backend, const bp_blas *blas) {
  thread_backend = blas == NULL ? 0 : backend;
  thread_sgemm = blas == NULL ? NULL : blas->sgemm;
  if (!thread_has_selection) {
    thread_has_selection = 1;
    atomic_fetch_add_explicit(&state.thread_selections, 1, memory_order_relaxed);
  }
}

void bp_blas_select_on_thread_end(void) {
  if (!thread_has_selection) return;
  thread_has_selection = 0;
  thread_backend = 0;
  thread_sgemm = NULL;
  atomic_fetch_sub_explicit(&state.thread_selections, 1, memory_order_relaxed);
}

int bp_blas_selected(void) {
  if (atomic_load_explicit(&state.thread_selections, memory_order_relaxed) != 0 && thread_has_selection)
    return thread_backend;
  return atomic_load_explicit(&state.backend, memory_order_acquire);
}

bp_cblas_sgemm_fn bp_blas_active_sgemm(void) {
  if (atomic_load_explicit(&state.thread_selections, memory_order_relaxed) != 0 && thread_has_selection)
    return thread_sgemm;
  return atomic_load_explicit(&state.sgemm, memory_order_acquire);
}

void bp_blas_set_threads(int threads) {
  void (*set_threads)(int) = atomic_load_explicit(&state.set_threads, memory_order_acquire);
  if (set_threads != NULL) set_threads(threads);
}

// See include/CAllocationCounter.h. Replacing malloc by defining it in the program is what glibc documents for
// this ("Replacing malloc" in its manual: malloc, free, calloc and realloc at least; the aligned functions too,
// so that every allocating entry point is seen). The program's definitions are the ones every library binds to,
// the Swift runtime and libstdc++ included; each forwards to glibc's allocator, so memory from either side can be
// freed by the other and nothing else changes.
#include "CAllocationCounter.h"
#include <errno.h>  // first, for its system's feature macros (__GLIBC__)

// Sanitizers (swift test --sanitize=address or thread) bring their own malloc, which this must not replace.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define BP_SANITIZED 1
#endif
#endif

#if defined(__linux__) && defined(__GLIBC__) && !defined(BP_SANITIZED)

#include <stdatomic.h>
#include <stddef.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void *__libc_valloc(size_t size);
extern void *__libc_pvalloc(size_t size);

// Plain atomics (lock-free, no allocation) and a thread-local flag in the initial-exec model: reading it is one
// instruction and can never call into the allocator (a dynamic TLS access might, through __tls_get_addr).
static _Atomic int counting;
static _Atomic long allocations;
static _Atomic long frees;
static _Thread_local int enlisted __attribute__((tls_model("initial-exec")));

static inline void note(_Atomic long *counter) {
  if (atomic_load_explicit(&counting, memory_order_relaxed) && enlisted)
    atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

int allocation_counter_available(void) { return 1; }
void allocation_counter_enlist_this_thread(int on) { enlisted = on != 0; }

void allocation_counter_start(void) {
  atomic_store(&allocations, 0);
  atomic_store(&frees, 0);
  atomic_store(&counting, 1);
}

void allocation_counter_stop(void) { atomic_store(&counting, 0); }
long allocation_counter_allocations(void) { return atomic_load(&allocations); }
long allocation_counter_frees(void) { return atomic_load(&frees); }

void *malloc(size_t size) {
  note(&allocations);
  return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
  note(&allocations);
  return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
  note(&allocations);
  return __libc_realloc(pointer, size);
}

void free(void *pointer) {
  if (pointer) note(&frees);
  __libc_free(pointer);
}

void *memalign(size_t alignment, size_t size) {
  note(&allocations);
  return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
  note(&allocations);
  return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
  note(&allocations);
  // POSIX: a power of two that is a multiple of sizeof(void *), else EINVAL; *result untouched on failure.
  if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
  void *pointer = __libc_memalign(alignment, size);
  if (!pointer && size != 0) return ENOMEM;
  *result = pointer;
  return 0;
}

void *valloc(size_t size) {
  note(&allocations);
  return __libc_valloc(size);
}

void *pvalloc(size_t size) {
  note(&allocations);
  return __libc_pvalloc(size);
}

#else

// Interposing the allocator works differently elsewhere (macOS has malloc zones and two-level namespaces), so
// here the counter is a stub and the tests that need it are disabled.
int allocation_counter_available(void) { return 0; }
void allocation_counter_enlist_this_thread(int on) { (void)on; }
void allocation_counter_start(void) {}
void allocation_counter_stop(void) {}
long allocation_counter_allocations(void) { return 0; }
long allocation_counter_frees(void) { return 0; }

#endif

#ifndef CALLOCATIONCOUNTER_H
#define CALLOCATIONCOUNTER_H

/// A heap-allocation counter for tests (BackpropTests only; never linked into the library or the tool).
///
/// On Linux (glibc) this target defines malloc, calloc, realloc, free, posix_memalign, aligned_alloc, memalign,
/// valloc and pvalloc, which take the place of glibc's for the whole test process, and forwards each call to
/// glibc's own allocator (__libc_malloc and friends). A call is counted when counting is on (a global switch) and
/// the calling thread has been enlisted (a thread-local flag), so threads that are not part of the measurement are
/// never counted. Elsewhere, and under AddressSanitizer or ThreadSanitizer (which replace malloc themselves), the
/// functions below are stubs and allocation_counter_available() returns 0.

/// 1 where the counter works (Linux with glibc), else 0.
int allocation_counter_available(void);

/// Enlists (1) or releases (0) the calling thread: only enlisted threads' calls are counted.
void allocation_counter_enlist_this_thread(int enlisted);

/// Sets both counts to zero and switches counting on.
void allocation_counter_start(void);
/// Switches counting off; the counts stay readable.
void allocation_counter_stop(void);

/// Allocating calls (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign, valloc, pvalloc) counted.
long allocation_counter_allocations(void);
/// free calls with a non-null pointer counted.
long allocation_counter_frees(void);

#endif

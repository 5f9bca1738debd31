// A persistent pool of worker threads for bp_parallel. Waking a sleeping thread costs tens of microseconds, more
// than a small GEMM takes, so workers spin for a while after each job before they sleep on a condition variable.
//
// The spin loops do not use the x86 `pause` instruction. In a virtual machine, AMD's pause filter (and Intel's
// pause-loop exiting) takes a vCPU that pauses in a loop off the host's core, and getting it back costs 0.1–8 ms:
// measured here, a dispatch took 2–100 µs with `pause` and 1–2 µs without.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include "CBackpropKernels.h"

// A waiting thread checks BUSY_CHECKS times, then yields its core at each check (a busy machine may have
// descheduled the thread it waits for, and spinning would only keep that one off the core); a worker sleeps once
// SPIN_NS have passed since its last job. (Counted in checks, the spin had grown to ~80 ms of yields after each job,
// measured: it kept a vCPU busy while the caller went on alone, which slowed the caller where two vCPUs share a core.)
enum { MAX_THREADS = 64, BUSY_CHECKS = 100000, SPIN_NS = 2000000 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
// One word holds the job's generation (bumped once per job) and its number of parts, so a worker reads both at
// once and can never run a part of a job it did not see start, or one job twice.
// `state` (written by the caller, polled by workers) and `done` (the reverse) sit on cache lines of their own.
static _Alignas(64) _Atomic unsigned long long state;
static _Alignas(64) _Atomic int done;    // parts finished by workers in the current job
static _Alignas(64) _Atomic int sleepers;
static _Atomic int busy;                 // 1 while a caller owns the pool
static int started;                      // workers running (guarded by `lock` while growing)
static _Atomic int wanted = 1;           // threads to use, the caller included
static bp_job current_job;
static void *current_context;

static inline void relax(int spins) {
  if (spins > BUSY_CHECKS) sched_yield();
}

static long long nanoseconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long long)now.tv_sec * 1000000000 + now.tv_nsec;
}

// The argument packs the worker's index (1 … started: it runs part `index` of each job) in its low 8 bits and the
// generation current when it was created in the others, so a job dispatched before the thread first runs is
// still seen as new.
static void *worker(void *argument) {
  int index = (int)((size_t)argument & 0xFF);
  unsigned long long seen = (size_t)argument >> 8;
  // A new worker sleeps until its first job, then spins for SPIN_NS after each one: spinning pays only while jobs
  // come in quick succession.
  for (int first = 1;; first = 0) {
    unsigned long long now;
    long long until = first ? 0 : nanoseconds() + SPIN_NS;
    for (int spins = 0; (now = atomic_load_explicit(&state, memory_order_acquire)) >> 8 == seen; spins++) {
      if (spins % 1024 != 0 || nanoseconds() < until) {  // the clock read every 1024 checks
        relax(spins);
        continue;
      }
      pthread_mutex_lock(&lock);
      atomic_fetch_add(&sleepers, 1);
      while ((now = atomic_load(&state)) >> 8 == seen) pthread_cond_wait(&wake, &lock);
      atomic_fetch_sub(&sleepers, 1);
      pthread_mutex_unlock(&lock);
    }
    seen = now >> 8;
    int parts = (int)(now & 0xFF);
    if (index < parts) {
      current_job(current_context, index, parts);
      atomic_fetch_add_explicit(&done, 1, memory_order_release);
    }
  }
  return NULL;
}

void bp_set_threads(int threads) {
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  pthread_mutex_lock(&lock);
  while (started < threads - 1) {
    pthread_t thread;
    size_t argument = (size_t)(atomic_load(&state) >> 8) << 8 | (size_t)(started + 1);
    if (pthread_create(&thread, NULL, worker, (void *)argument) != 0) break;
    pthread_detach(thread);
    started++;
  }
  atomic_store(&wanted, started + 1 < threads ? started + 1 : threads);
  pthread_mutex_unlock(&lock);
}

int bp_threads(void) { return atomic_load(&wanted); }

void bp_parallel(int parts, bp_job job, void *context) {
  int threads = atomic_load(&wanted);
  if (parts > threads) parts = threads;
  int expected = 0;
  // One caller at a time owns the workers; another thread calling meanwhile (two networks training at once) runs
  // its job alone, which gives the same bits, since a job's parts never share an output.
  if (parts <= 1 || !atomic_compare_exchange_strong(&busy, &expected, 1)) {
    job(context, 0, 1);
    return;
  }
  current_job = job;
  current_context = context;
  atomic_store_explicit(&done, 0, memory_order_relaxed);
  unsigned long long next = ((atomic_load_explicit(&state, memory_order_relaxed) >> 8) + 1) << 8 | (unsigned)parts;
  atomic_store(&state, next);  // sequentially consistent with the load of `sleepers` below
  if (atomic_load(&sleepers) > 0) {
    pthread_mutex_lock(&lock);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);
  }
  job(context, 0, parts);
  for (int spins = 0; atomic_load_explicit(&done, memory_order_acquire) < parts - 1; spins++) relax(spins);
  atomic_store(&busy, 0);
}

// Probes the CPU once and picks the kernels; tests may force a slower path to check it against the others.
#include "CBackpropKernels.h"

#include <stdatomic.h>

static _Atomic int forced = -1;
static _Atomic int detected_isa = -1;

bp_isa bp_isa_detected(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  // The avx512f bit is set only where the operating system saves the zmm registers, too.
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return __builtin_cpu_supports("avx512f") ? BP_ISA_AVX512 : BP_ISA_AVX2;
  }
#endif
  return BP_ISA_GENERIC;
}

bp_isa bp_isa_active(void) {
  int isa = atomic_load_explicit(&forced, memory_order_relaxed);
  if (isa >= 0) return (bp_isa)isa;
  isa = atomic_load_explicit(&detected_isa, memory_order_relaxed);
  if (isa < 0) {
    isa = (int)bp_isa_detected();
    atomic_store_explicit(&detected_isa, isa, memory_order_relaxed);
  }
  return (bp_isa)isa;
}

int bp_isa_force(bp_isa isa) {
  if (isa != BP_ISA_GENERIC && isa > bp_isa_detected()) return 0;
  atomic_store_explicit(&forced, (int)isa, memory_order_relaxed);
  return 1;
}

const char *bp_isa_name(bp_isa isa) {
  switch (isa) {
  case BP_ISA_AVX2: return "avx2";
  case BP_ISA_AVX512: return "avx512";
  default: return "generic";
  }
}

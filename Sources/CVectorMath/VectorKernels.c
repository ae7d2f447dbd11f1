// The one run-time check the Swift side makes before choosing between these kernels and its own
// loops (each kernel checks again and returns 0 without AVX2).
#include "CVectorKernels.h"

int qdqc_vector_kernels_available(void) {
#if defined(__x86_64__)
    return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    return 0;
#endif
}

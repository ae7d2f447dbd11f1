// The even elements of sixteen floats, for the stride-2 loops (Depthwise.c, StridedRows.c).
#ifndef QDQC_EVENS_H
#define QDQC_EVENS_H

#if defined(__x86_64__)
#include <immintrin.h>

/// a[0], a[2], a[4], a[6], b[0], b[2], b[4], b[6].
__attribute__((target("avx2"))) static inline __m256 qdqc_evens(__m256 a, __m256 b) {
    const __m256 mixed = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(mixed), _MM_SHUFFLE(3, 1, 2, 0)));
}

#endif
#endif

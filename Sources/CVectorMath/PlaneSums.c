// Sums and maxima of float planes, for global average and max pooling.
//
// The Swift loop adds one plane's values to a double one after another, so each add waits for the
// previous one. Here four planes share a register and four registers run at once: every plane is
// still summed alone, in index order, with the same double adds, so the sums are the same bits.
//
// The maximum takes eight lanes at a time in any order, then settles the two cases where the
// Swift loop's order shows in the bits: a NaN (that loop ends on the last NaN, payload and all)
// and a maximum of zero (that loop keeps the first zero it meets, +0 or -0).
#include "CVectorDepthwise.h"

#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__)
#include <immintrin.h>

#define ATTRIBUTES __attribute__((target("avx2")))

/// x[0][i], x[1][i], x[2][i], x[3][i] in double, for planes `size` floats apart.
ATTRIBUTES static inline __m256d column(const float *x, long size, long i) {
    return _mm256_cvtps_pd(_mm_setr_ps(x[i], x[size + i], x[2 * size + i], x[3 * size + i]));
}

ATTRIBUTES static void plane_sums(const float *x, long planes, long size, double *sums) {
    long p = 0;
    for (; p + 16 <= planes; p += 16) {
        const float *x0 = x + p * size, *x1 = x0 + 4 * size, *x2 = x0 + 8 * size, *x3 = x0 + 12 * size;
        __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
        for (long i = 0; i < size; i++) {
            s0 = _mm256_add_pd(s0, column(x0, size, i));
            s1 = _mm256_add_pd(s1, column(x1, size, i));
            s2 = _mm256_add_pd(s2, column(x2, size, i));
            s3 = _mm256_add_pd(s3, column(x3, size, i));
        }
        _mm256_storeu_pd(sums + p, s0);
        _mm256_storeu_pd(sums + p + 4, s1);
        _mm256_storeu_pd(sums + p + 8, s2);
        _mm256_storeu_pd(sums + p + 12, s3);
    }
    for (; p + 4 <= planes; p += 4) {
        __m256d s = _mm256_setzero_pd();
        for (long i = 0; i < size; i++) s = _mm256_add_pd(s, column(x + p * size, size, i));
        _mm256_storeu_pd(sums + p, s);
    }
    for (; p < planes; p++) {
        double s = 0;
        for (long i = 0; i < size; i++) s += (double)x[p * size + i];
        sums[p] = s;
    }
}

ATTRIBUTES static float plane_max(const float *x, long size) {
    __m256 best = _mm256_set1_ps(-__builtin_inff());
    __m256 unordered = _mm256_setzero_ps();
    long i = 0;
    for (; i + 8 <= size; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        unordered = _mm256_or_ps(unordered, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
        best = _mm256_max_ps(v, best);  // a NaN v gives best
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, best);
    float result = -__builtin_inff();
    for (int j = 0; j < 8; j++) result = lanes[j] > result ? lanes[j] : result;
    int nan = !_mm256_testz_ps(unordered, unordered);
    for (; i < size; i++) {
        if (x[i] != x[i]) nan = 1;
        result = x[i] > result ? x[i] : result;
    }
    if (nan) {
        long last = size - 1;
        while (x[last] == x[last]) last--;
        return x[last];
    }
    if (result == 0) {
        long first = 0;
        while (x[first] != 0) first++;
        return x[first];
    }
    return result;
}

int qdqc_plane_max_f32(const float *x, long planes, long size, float *maxima) {
    if (!__builtin_cpu_supports("avx2")) return 0;
    for (long p = 0; p < planes; p++) maxima[p] = plane_max(x + p * size, size);
    return 1;
}

int qdqc_plane_sums_f64(const float *x, long planes, long size, double *sums) {
    if (!__builtin_cpu_supports("avx2")) return 0;
    plane_sums(x, planes, size, sums);
    return 1;
}

#else

int qdqc_plane_sums_f64(const float *x, long planes, long size, double *sums) {
    (void)x; (void)planes; (void)size; (void)sums;
    return 0;
}

int qdqc_plane_max_f32(const float *x, long planes, long size, float *maxima) {
    (void)x; (void)planes; (void)size; (void)maxima;
    return 0;
}

#endif

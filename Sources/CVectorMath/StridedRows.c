// Row loops over every first or second column, for max pooling, im2col and col2im: the Swift
// loops read or write a column stride of 2 one element at a time; here eight elements take two
// loads and a shuffle. Max is `v > m ? v : m` on both sides (vmaxps(v, m) is exactly that, NaN
// included), copies are copies, and each scattered add is the one IEEE add of the Swift loop (the
// elements in between are written back unchanged), so the results are the Swift loops' bits.
#include "CVectorDepthwise.h"
#include "Evens.h"

#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__)
#include <immintrin.h>

#define ATTRIBUTES __attribute__((target("avx2")))

/// source[0], source[2], ..., source[14]: reads source[0...15].
ATTRIBUTES static inline __m256 evens(const float *source) {
    return qdqc_evens(_mm256_loadu_ps(source), _mm256_loadu_ps(source + 8));
}

ATTRIBUTES static void max_taps(const float *source, long stride, long taps, float *line, long count) {
    long c = 0;
    if (stride == 1) {
        for (; c + 8 <= count; c += 8) {
            __m256 best = _mm256_loadu_ps(line + c);
            for (long t = 0; t < taps; t++) best = _mm256_max_ps(_mm256_loadu_ps(source + c + t), best);
            _mm256_storeu_ps(line + c, best);
        }
    } else {
        // The last register's second load would read one element past the last tap's column.
        for (; c + 9 <= count; c += 8) {
            __m256 best = _mm256_loadu_ps(line + c);
            for (long t = 0; t < taps; t++) best = _mm256_max_ps(evens(source + 2 * c + t), best);
            _mm256_storeu_ps(line + c, best);
        }
    }
    for (; c < count; c++) {
        float best = line[c];
        for (long t = 0; t < taps; t++) {
            const float value = source[c * stride + t];
            best = value > best ? value : best;
        }
        line[c] = best;
    }
}

ATTRIBUTES static void gather2(const float *source, float *target, long count) {
    long c = 0;
    for (; c + 9 <= count; c += 8) _mm256_storeu_ps(target + c, evens(source + 2 * c));
    for (; c < count; c++) target[c] = source[2 * c];
}

ATTRIBUTES static void scatter_add2(const float *values, float *line, long count) {
    long c = 0;
    // Sixteen line elements per eight values; the last register would reach one past the last.
    for (; c + 9 <= count; c += 8) {
        const __m256 v = _mm256_loadu_ps(values + c);
        const __m256 low = _mm256_unpacklo_ps(v, v), high = _mm256_unpackhi_ps(v, v);
        const __m256 first = _mm256_permute2f128_ps(low, high, 0x20), second = _mm256_permute2f128_ps(low, high, 0x31);
        const __m256 a = _mm256_loadu_ps(line + 2 * c), b = _mm256_loadu_ps(line + 2 * c + 8);
        _mm256_storeu_ps(line + 2 * c, _mm256_blend_ps(a, _mm256_add_ps(a, first), 0x55));
        _mm256_storeu_ps(line + 2 * c + 8, _mm256_blend_ps(b, _mm256_add_ps(b, second), 0x55));
    }
    for (; c < count; c++) line[2 * c] += values[c];
}

int qdqc_max_taps_f32(const float *source, long stride, long taps, float *line, long count) {
    if ((stride != 1 && stride != 2) || !__builtin_cpu_supports("avx2")) return 0;
    max_taps(source, stride, taps, line, count);
    return 1;
}

int qdqc_gather_f32(const float *source, long stride, float *target, long count) {
    if (stride != 2 || !__builtin_cpu_supports("avx2")) return 0;
    gather2(source, target, count);
    return 1;
}

int qdqc_scatter_add_f32(const float *values, long stride, float *line, long count) {
    if (stride != 2 || !__builtin_cpu_supports("avx2")) return 0;
    scatter_add2(values, line, count);
    return 1;
}

#else

int qdqc_max_taps_f32(const float *source, long stride, long taps, float *line, long count) {
    (void)source; (void)stride; (void)taps; (void)line; (void)count;
    return 0;
}

int qdqc_gather_f32(const float *source, long stride, float *target, long count) {
    (void)source; (void)stride; (void)target; (void)count;
    return 0;
}

int qdqc_scatter_add_f32(const float *values, long stride, float *line, long count) {
    (void)values; (void)stride; (void)line; (void)count;
    return 0;
}

#endif

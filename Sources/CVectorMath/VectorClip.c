// Float Clip eight lanes at a time, for the interpreter's Clip (and Relu6-style graphs).
//
// The Swift loop compiles for baseline x86-64, and Clip usually writes over its input, where the
// compiler's overlap check sends the loop to scalar code. Each lane makes the Swift loop's
// choices: NaN stays itself, then value < low gives low, then a value > high gives high
// (max_ps(low, v) is low > v ? low : v and min_ps(high, r) is high < r ? high : r, the same
// comparisons, so signed zeros come out as in Swift).
#include "CVectorKernels.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define ATTRIBUTES __attribute__((target("avx2")))

ATTRIBUTES static inline __m256 clip8(__m256 value, __m256 low, __m256 high) {
    __m256 clipped = _mm256_min_ps(high, _mm256_max_ps(low, value));
    return _mm256_blendv_ps(clipped, value, _mm256_cmp_ps(value, value, _CMP_UNORD_Q));
}

ATTRIBUTES static void clip_loop(const float *x, float *y, long count, float low, float high) {
    const __m256 lows = _mm256_set1_ps(low), highs = _mm256_set1_ps(high);
    long i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(y + i, clip8(_mm256_loadu_ps(x + i), lows, highs));
    if (i < count) {
        float buffer[8] = {0};
        memcpy(buffer, x + i, (size_t)(count - i) * sizeof(float));
        _mm256_storeu_ps(buffer, clip8(_mm256_loadu_ps(buffer), lows, highs));
        memcpy(y + i, buffer, (size_t)(count - i) * sizeof(float));
    }
}

int qdqc_clip_f32(const float *x, float *y, long count, float low, float high) {
    if (!__builtin_cpu_supports("avx2")) return 0;
    clip_loop(x, y, count, low, high);
    return 1;
}

#else

int qdqc_clip_f32(const float *x, float *y, long count, float low, float high) {
    (void)x; (void)y; (void)count; (void)low; (void)high;
    return 0;
}

#endif

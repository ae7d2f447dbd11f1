// The interpreter's float tanh (FastTanh.swift: a 13/6 rational approximation), eight lanes at a
// time.
//
// The Swift loop compiles for baseline x86-64 (four lanes). This evaluates the same operations
// in the same order, one IEEE multiply, add or divide each (no fused multiply-add), with the
// same clamps and the same small-input and NaN cases, so every lane is FastTanh's result bit for
// bit (OnnxInterpreterTests compares them over a dense grid of inputs).
#include "CVectorKernels.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define ATTRIBUTES __attribute__((target("avx2")))

ATTRIBUTES static inline __m256 tanh8(__m256 input) {
    const __m256 limit = _mm256_set1_ps(0x1.f9f09ep+2f);  // 7.90531110763549805
    // min_ps(input, limit) is input < limit ? input : limit, and max_ps(m, -limit) is
    // m > -limit ? m : -limit: Swift's min and max for every non-NaN input.
    __m256 x = _mm256_max_ps(_mm256_min_ps(input, limit), _mm256_sub_ps(_mm256_setzero_ps(), limit));
    __m256 x2 = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(-0x1.3e4b8p-52f);
    p = _mm256_add_ps(_mm256_mul_ps(p, x2), _mm256_set1_ps(0x1.c266fcp-43f));
    p = _mm256_add_ps(_mm256_mul_ps(p, x2), _mm256_set1_ps(-0x1.7a6ffep-34f));
    p = _mm256_add_ps(_mm256_mul_ps(p, x2), _mm256_set1_ps(0x1.b80082p-25f));
    p = _mm256_add_ps(_mm256_mul_ps(p, x2), _mm256_set1_ps(0x1.f28694p-17f));
    p = _mm256_add_ps(_mm256_mul_ps(p, x2), _mm256_set1_ps(0x1.4e1bdap-11f));
    p = _mm256_add_ps(_mm256_mul_ps(p, x2), _mm256_set1_ps(0x1.40b3b8p-8f));
    p = _mm256_mul_ps(p, x);
    __m256 q = _mm256_set1_ps(0x1.41a7bp-20f);
    q = _mm256_add_ps(_mm256_mul_ps(q, x2), _mm256_set1_ps(0x1.f12bacp-14f));
    q = _mm256_add_ps(_mm256_mul_ps(q, x2), _mm256_set1_ps(0x1.29540ap-9f));
    q = _mm256_add_ps(_mm256_mul_ps(q, x2), _mm256_set1_ps(0x1.40b3bap-8f));
    __m256 result = _mm256_div_ps(p, q);
    __m256 magnitude = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
    __m256 small = _mm256_cmp_ps(magnitude, _mm256_set1_ps(0x1.a36e2ep-12f), _CMP_LT_OQ);  // 0.0004
    result = _mm256_blendv_ps(result, x, small);
    __m256 nan = _mm256_cmp_ps(input, input, _CMP_UNORD_Q);
    return _mm256_blendv_ps(result, input, nan);
}

ATTRIBUTES static void tanh_loop(const float *x, float *y, long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(y + i, tanh8(_mm256_loadu_ps(x + i)));
    if (i < count) {
        // The tail through the same lanes, so it cannot differ from the body.
        float buffer[8] = {0};
        memcpy(buffer, x + i, (size_t)(count - i) * sizeof(float));
        _mm256_storeu_ps(buffer, tanh8(_mm256_loadu_ps(buffer)));
        memcpy(y + i, buffer, (size_t)(count - i) * sizeof(float));
    }
}

int qdqc_fast_tanhf(const float *x, float *y, long count) {
    if (!__builtin_cpu_supports("avx2")) return 0;
    tanh_loop(x, y, count);
    return 1;
}

#else

int qdqc_fast_tanhf(const float *x, float *y, long count) {
    (void)x; (void)y; (void)count;
    return 0;
}

#endif

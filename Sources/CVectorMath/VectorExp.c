// glibc's expf (2.27 and later, from Arm's optimized-routines), sixteen or eight floats at a time.
//
// Softmax spent most of its time in one scalar expf call per element. This evaluates the same
// algorithm on AVX2 lanes in double precision: x·32/ln2 = k + r, exp(x) = 2^(k/32) · p(r) with a
// 32-entry table and a cubic, with the multiply-adds glibc's FMA build can fuse fused. Any lane
// whose double result lies within 2^-36 (relative) of a float rounding midpoint, where a
// different fusing choice could round the other way, is recomputed by expf itself, as are
// subnormal results, large or NaN inputs; lanes below log(2^-150) are +0, as glibc returns.
// The Swift tests compare against expf over a dense grid; the exhaustive comparison over all
// 2^32 inputs is in docs/benchmarks.md.
#include "CVectorMath.h"

#include <math.h>
#include <stdint.h>

#if defined(__x86_64__)
#include <immintrin.h>

// tab[i] = bits(2^(i/32)) - (i << 47), so adding k << 47 gives 2^(k/32) for any integer k.
static const uint64_t table[32] = {
    0x3ff0000000000000ULL, 0x3fefd9b0d3158574ULL, 0x3fefb5586cf9890fULL, 0x3fef9301d0125b51ULL,
    0x3fef72b83c7d517bULL, 0x3fef54873168b9aaULL, 0x3fef387a6e756238ULL, 0x3fef1e9df51fdee1ULL,
    0x3fef06fe0a31b715ULL, 0x3feef1a7373aa9cbULL, 0x3feedea64c123422ULL, 0x3feece086061892dULL,
    0x3feebfdad5362a27ULL, 0x3feeb42b569d4f82ULL, 0x3feeab07dd485429ULL, 0x3feea47eb03a5585ULL,
    0x3feea09e667f3bcdULL, 0x3fee9f75e8ec5f74ULL, 0x3feea11473eb0187ULL, 0x3feea589994cce13ULL,
    0x3feeace5422aa0dbULL, 0x3feeb737b0cdc5e5ULL, 0x3feec49182a3f090ULL, 0x3feed503b23e255dULL,
    0x3feee89f995ad3adULL, 0x3feeff76f2fb5e47ULL, 0x3fef199bdd85529cULL, 0x3fef3720dcef9069ULL,
    0x3fef5818dcfba487ULL, 0x3fef7c97337b9b5fULL, 0x3fefa4afa2a490daULL, 0x3fefd0765b6e4540ULL,
};

#define ATTRIBUTES __attribute__((target("avx2,fma")))
#define ATTRIBUTES512 __attribute__((target("avx512f,avx512dq,fma")))

// The table's bits for four indices (the low five bits of each lane): four loads rather than a gather
// instruction, which microcode mitigations (Downfall) make several times slower on the Xeons this runs on.
ATTRIBUTES static inline __m256i lookup4(__m256i ki) {
    uint64_t k[4];
    _mm256_storeu_si256((__m256i *)k, ki);
    return _mm256_set_epi64x((long long)table[k[3] & 31], (long long)table[k[2] & 31], (long long)table[k[1] & 31],
                             (long long)table[k[0] & 31]);
}

// The same for eight: two two-register permutes (the table's low and high 16 entries) and a blend on bit 4.
ATTRIBUTES512 static inline __m512i lookup8(__m512i ki) {
    const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 8);
    const __m512i t2 = _mm512_loadu_si512(table + 16), t3 = _mm512_loadu_si512(table + 24);
    __m512i low = _mm512_permutex2var_epi64(t0, ki, t1), high = _mm512_permutex2var_epi64(t2, ki, t3);
    return _mm512_mask_blend_epi64(_mm512_test_epi64_mask(ki, _mm512_set1_epi64(16)), low, high);
}

ATTRIBUTES static inline int differ4(__m128 below, __m128 above) {
    return _mm_movemask_ps(_mm_cmpneq_ps(below, above)) != 0;
}

ATTRIBUTES512 static inline int differ8(__m256 below, __m256 above) {
    return _mm256_movemask_ps(_mm256_cmp_ps(below, above, _CMP_NEQ_UQ)) != 0;
}

// LANES results from LANES floats, or 0 when a lane needs expf itself, for both widths: P is the
// intrinsics' prefix (_mm256 or _mm512), W their integer width, VF, VD and VI the float, double and
// integer vectors, LOOKUP the table's bits of each lane's index, DIFFER whether any lane's two roundings
// disagree.
#define EXP_LANES(NAME, ATTRIBUTES, P, W, VF, VD, VI, LOOKUP, DIFFER)                                      \
    ATTRIBUTES static int NAME(VF x, VF *result) {                                                         \
        const VD shift = P##_set1_pd(0x1.8p+52);                                                           \
        VD z = P##_mul_pd(P##_set1_pd(0x1.71547652b82fep+0 * 32), P##_cvtps_pd(x));                        \
        VD kd = P##_add_pd(z, shift);                                                                      \
        VI ki = P##_castpd_si##W(kd);                                                                      \
        kd = P##_sub_pd(kd, shift);                                                                        \
        VD r = P##_sub_pd(z, kd);                                                                          \
        VD s = P##_castsi##W##_pd(P##_add_epi64(LOOKUP(ki), P##_slli_epi64(ki, 47)));                      \
        VD p = P##_fmadd_pd(P##_set1_pd(0x1.c6af84b912394p-5 / 32 / 32 / 32), r,                           \
                            P##_set1_pd(0x1.ebfce50fac4f3p-3 / 32 / 32));                                  \
        VD r2 = P##_mul_pd(r, r);                                                                          \
        VD y = P##_fmadd_pd(P##_set1_pd(0x1.62e42ff0c52d6p-1 / 32), r, P##_set1_pd(1));                    \
        y = P##_fmadd_pd(p, r2, y);                                                                        \
        y = P##_mul_pd(y, s);                                                                              \
        VD nudge = P##_mul_pd(y, P##_set1_pd(0x1p-36));                                                    \
        if (DIFFER(P##_cvtpd_ps(P##_sub_pd(y, nudge)), P##_cvtpd_ps(P##_add_pd(y, nudge)))) return 0;      \
        *result = P##_cvtpd_ps(y);                                                                         \
        return 1;                                                                                          \
    }

EXP_LANES(four, ATTRIBUTES, _mm256, 256, __m128, __m256d, __m256i, lookup4, differ4)
EXP_LANES(eight, ATTRIBUTES512, _mm512, 512, __m256, __m512d, __m512i, lookup8, differ8)

ATTRIBUTES static void vectorized(const float *x, float *y, long count) {
    const __m256 underflow = _mm256_set1_ps(-0x1.9fe368p6f);
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 zero = _mm256_cmp_ps(v, underflow, _CMP_LT_OQ);
        __m256 reduced = _mm256_andnot_ps(zero, v);
        __m256 inside = _mm256_and_ps(_mm256_cmp_ps(reduced, _mm256_set1_ps(-87.0f), _CMP_GE_OQ),
                                      _mm256_cmp_ps(reduced, _mm256_set1_ps(88.0f), _CMP_LE_OQ));
        __m128 low, high;
        if (_mm256_movemask_ps(inside) == 0xFF && four(_mm256_castps256_ps128(reduced), &low) &&
            four(_mm256_extractf128_ps(reduced, 1), &high)) {
            __m256 result = _mm256_set_m128(high, low);
            _mm256_storeu_ps(y + i, _mm256_andnot_ps(zero, result));
        } else {
            for (long j = i; j < i + 8; j++) y[j] = expf(x[j]);
        }
    }
    for (; i < count; i++) y[i] = expf(x[i]);
}
ATTRIBUTES512 static void vectorized16(const float *x, float *y, long count) {
    const __m512 underflow = _mm512_set1_ps(-0x1.9fe368p6f);
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        __mmask16 zero = _mm512_cmp_ps_mask(v, underflow, _CMP_LT_OQ);
        __m512 reduced = _mm512_maskz_mov_ps((__mmask16)~zero, v);
        __mmask16 inside = _mm512_cmp_ps_mask(reduced, _mm512_set1_ps(-87.0f), _CMP_GE_OQ) &
                           _mm512_cmp_ps_mask(reduced, _mm512_set1_ps(88.0f), _CMP_LE_OQ);
        __m256 low, high;
        if (inside == 0xFFFF && eight(_mm512_castps512_ps256(reduced), &low) &&
            eight(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(reduced), 1)), &high)) {
            __m512 result = _mm512_insertf32x8(_mm512_castps256_ps512(low), high, 1);
            _mm512_storeu_ps(y + i, _mm512_maskz_mov_ps((__mmask16)~zero, result));
        } else {
            for (long j = i; j < i + 16; j++) y[j] = expf(x[j]);
        }
    }
    if (i < count) vectorized(x + i, y + i, count - i);
}
#endif

void qdqc_expf(const float *x, float *y, long count) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) {
        vectorized16(x, y, count);
        return;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        vectorized(x, y, count);
        return;
    }
#endif
    for (long i = 0; i < count; i++) y[i] = expf(x[i]);
}

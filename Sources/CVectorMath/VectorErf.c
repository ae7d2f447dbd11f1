// glibc's erff (2.36, fdlibm's algorithm) for the interpreter's `VectorErf`: below |x| = 1.25 (the two
// rational functions and the tiny-argument forms) sixteen or eight lanes at a time, and at or above it
// (erfc's rational function and two expf calls) in loops built for AVX-512 where there is one.
//
// The Swift loops compile for baseline x86-64 (four lanes) and were a tenth of a transformer's run
// (Gelu written out with Erf). Each lane makes glibc's float operations in its order — a product, then
// a sum, never fused — so the bits are the same (`VectorErfTests`; all 2^32 inputs once, see
// docs/benchmarks.md).
#include "CVectorMath.h"

#include <math.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

static inline float bits(unsigned int pattern) {
    float value;
    memcpy(&value, &pattern, sizeof value);
    return value;
}

// One definition for every width (one lane: plain floats): V is the vector type, with SET, ADD, SUB, MUL, DIV, ABS, LT (ordered
// x < y as a mask), GE, SELECT(mask, yes, no), LOAD and STORE.
#define ERF_NEAR(NAME, ATTRIBUTES, LANES, V, SET, ADD, SUB, MUL, DIV, ABS, LT, GE, SELECT, LOAD, STORE)          \
    ATTRIBUTES static void NAME(const float *source, float *target, long count) {                           \
        const V one = SET(1.0f), efx = SET(bits(0x3e0375d4)), erx = SET(bits(0x3f58560b));                 \
        const V negErx = SET(-bits(0x3f58560b)), sixteen = SET(16.0f), sixteenEfx = SET(16.0f * bits(0x3e0375d4)); \
        const V sixteenth = SET(0.0625f);                                                                   \
        long i = 0;                                                                                         \
        for (; i + LANES <= count; i += LANES) {                                                            \
            const V x = LOAD(source + i), a = ABS(x), z = MUL(x, x);                                        \
            V p = SET(bits(0xb7c756b1));                                                                    \
            p = ADD(SET(bits(0xbbbd1489)), MUL(z, p));                                                      \
            p = ADD(SET(bits(0xbce9528f)), MUL(z, p));                                                      \
            p = ADD(SET(bits(0xbea66beb)), MUL(z, p));                                                      \
            p = ADD(SET(bits(0x3e0375d4)), MUL(z, p));                                                      \
            V q = SET(bits(0xb684e21a));                                                                    \
            q = ADD(SET(bits(0x390aee49)), MUL(z, q));                                                      \
            q = ADD(SET(bits(0x3ba68116)), MUL(z, q));                                                      \
            q = ADD(SET(bits(0x3d852a63)), MUL(z, q));                                                      \
            q = ADD(SET(bits(0x3ecbbbce)), MUL(z, q));                                                      \
            q = ADD(one, MUL(z, q));                                                                        \
            const V small = ADD(x, MUL(x, DIV(p, q)));                                                      \
            const V s = SUB(a, one);                                                                 \
            V pa = SET(bits(0xbb0df9c0));                                                                   \
            pa = ADD(SET(bits(0x3d1151b3)), MUL(s, pa));                                                    \
            pa = ADD(SET(bits(0xbde31cc2)), MUL(s, pa));                                                    \
            pa = ADD(SET(bits(0x3ea2fe54)), MUL(s, pa));                                                    \
            pa = ADD(SET(bits(0xbebe9208)), MUL(s, pa));                                                    \
            pa = ADD(SET(bits(0x3ed46805)), MUL(s, pa));                                                    \
            pa = ADD(SET(bits(0xbb1acdc6)), MUL(s, pa));                                                    \
            V qa = SET(bits(0x3c445aa3));                                                                   \
            qa = ADD(SET(bits(0x3c5f6e13)), MUL(s, qa));                                                    \
            qa = ADD(SET(bits(0x3e013307)), MUL(s, qa));                                                    \
            qa = ADD(SET(bits(0x3d931ae7)), MUL(s, qa));                                                    \
            qa = ADD(SET(bits(0x3f0a5785)), MUL(s, qa));                                                    \
            qa = ADD(SET(bits(0x3dd9f331)), MUL(s, qa));                                                    \
            qa = ADD(one, MUL(s, qa));                                                                      \
            const V quotient = DIV(pa, qa);                                                                 \
            const V middle = SELECT(GE(x, SET(0.0f)), ADD(erx, quotient), SUB(negErx, quotient)); \
            V result = SELECT(LT(a, SET(bits(0x3f580000))), small, middle);                                 \
            result = SELECT(LT(a, SET(bits(0x31800000))), ADD(x, MUL(efx, x)), result);                     \
            const V tiny = MUL(sixteenth, ADD(MUL(sixteen, x), MUL(sixteenEfx, x)));                        \
            result = SELECT(LT(a, SET(bits(0x04000000))), tiny, result);                                    \
            STORE(target + i, result);                                                                      \
        }                                                                                                   \
    }

#define SET1(v) (v)
#define ADD1(p, q) ((p) + (q))
#define SUB1(p, q) ((p) - (q))
#define MUL1(p, q) ((p) * (q))
#define DIV1(p, q) ((p) / (q))
#define LT1(p, q) ((p) < (q))
#define GE1(p, q) ((p) >= (q))
#define SELECT1(m, yes, no) ((m) ? (yes) : (no))
#define LOAD1(p) (*(p))
#define STORE1(p, v) (*(p) = (v))
ERF_NEAR(near1, , 1, float, SET1, ADD1, SUB1, MUL1, DIV1, fabsf, LT1, GE1, SELECT1, LOAD1, STORE1)

#if defined(__x86_64__)
#include <immintrin.h>

#define SET512(v) _mm512_set1_ps(v)
#define ABS512(v) _mm512_abs_ps(v)
#define LT512(p, q) _mm512_cmp_ps_mask(p, q, _CMP_LT_OQ)
#define GE512(p, q) _mm512_cmp_ps_mask(p, q, _CMP_GE_OQ)
#define SELECT512(m, yes, no) _mm512_mask_blend_ps(m, no, yes)
ERF_NEAR(near16, __attribute__((target("avx512f"))), 16, __m512, SET512, _mm512_add_ps, _mm512_sub_ps, _mm512_mul_ps,
         _mm512_div_ps, ABS512, LT512, GE512, SELECT512, _mm512_loadu_ps, _mm512_storeu_ps)

#define SET256(v) _mm256_set1_ps(v)
#define ABS256(v) _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)))
#define LT256(p, q) _mm256_cmp_ps(p, q, _CMP_LT_OQ)
#define GE256(p, q) _mm256_cmp_ps(p, q, _CMP_GE_OQ)
#define SELECT256(m, yes, no) _mm256_blendv_ps(no, yes, m)
ERF_NEAR(near8, __attribute__((target("avx2"))), 8, __m256, SET256, _mm256_add_ps, _mm256_sub_ps, _mm256_mul_ps,
         _mm256_div_ps, ABS256, LT256, GE256, SELECT256, _mm256_loadu_ps, _mm256_storeu_ps)

#endif

// erff for |x| < 1.25 (other elements get a value to be replaced); x may equal y.
static void erf_near(const float *x, float *y, long count) {
    long done = 0;
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) {
        near16(x, y, count);
        done = count / 16 * 16;
    } else if (__builtin_cpu_supports("avx2")) {
        near8(x, y, count);
        done = count / 8 * 8;
    }
#endif
    near1(x + done, y + done, count - done);
}

// glibc's erff at or above |x| = 1.25: erfc's rational function of 1/x² (ra/sa below 1/0.35, rb/sb above),
// two expf calls (qdqc_expf: glibc's bits) and the quotient, in the float operations of s_erff.c in its order;
// ±1 from 6 on, erff itself for infinities and NaN. Plain loops the compiler vectorizes (every operation stays
// the same IEEE operation per element), built for AVX-512 where there is one.

// fdlibm's coefficients of erfc's branch by their bit patterns, innermost first: ra7 … ra0, sa8 … sa1,
// rb6 … rb0, sb7 … sb1.
static const unsigned int erf_ra_coefficients[8] = {
    0xc11d077e, 0xc2a2932b, 0xc3389ae7, 0xc322658c,
    0xc2798057, 0xc128f022, 0xbf31a0b7, 0xbc21a093,
};
static const unsigned int erf_sa_coefficients[8] = {
    0xbd777f97, 0x40d23f7c, 0x42d9451f, 0x43d6810b,
    0x442158c9, 0x43d9486f, 0x4309a863, 0x419d35ce,
};
static const unsigned int erf_rb_coefficients[7] = {
    0xc3f1c275, 0xc480230b, 0xc41f6441, 0xc320a2ea,
    0xc18e104b, 0xbf4c9dd4, 0xbc21a092,
};
static const unsigned int erf_sb_coefficients[7] = {
    0xc1b38712, 0x43ed43a7, 0x451f90ce, 0x4547fdbb,
    0x44c01759, 0x43a2e571, 0x41f2b459,
};

// c[n-1] + t·(… + t·c[0]) with c innermost first, one product and one sum per step, never fused; inlined
// with a constant table, so the coefficients become constants in the vectorized loops.
static inline __attribute__((always_inline)) float horner(const unsigned int *coefficients, int n, float t) {
    float value = bits(coefficients[0]);
    for (int i = 1; i < n; i++) value = bits(coefficients[i]) + t * value;
    return value;
}

static inline float erf_ra(float t) { return horner(erf_ra_coefficients, 8, t); }
static inline float erf_sa(float t) { return 1.0f + t * horner(erf_sa_coefficients, 8, t); }
static inline float erf_rb(float t) { return horner(erf_rb_coefficients, 7, t); }
static inline float erf_sb(float t) { return 1.0f + t * horner(erf_sb_coefficients, 7, t); }

static inline unsigned int pattern(float value) {
    unsigned int result;
    memcpy(&result, &value, sizeof result);
    return result;
}

// The two expf arguments: -z² - 0.5625 and (z - |x|)(z + |x|) + R/S, z being |x| cut to 11 fraction bits.
#define ERF_FAR_ARGUMENTS(NAME, ATTRIBUTES)                                                              \
    ATTRIBUTES static void NAME(const float *x, float *square, float *argument, long count) {          \
        for (long i = 0; i < count; i++) {                                                               \
            const unsigned int magnitude = pattern(x[i]) & 0x7fffffffu;                                 \
            const float a = bits(magnitude), s = 1.0f / (a * a), z = bits(magnitude & 0x7ffff000u);     \
            const int first = a < bits(0x4036db6e);                                                      \
            const float numerator = first ? erf_ra(s) : erf_rb(s);                                       \
            const float denominator = first ? erf_sa(s) : erf_sb(s);                                     \
            square[i] = -z * z - 0.5625f;                                                                \
            argument[i] = (z - a) * (z + a) + numerator / denominator;                                   \
        }                                                                                                \
    }

// erf from the two exponentials: 1 - e·e'/|x| (or its negation), ±1 from 6 on.
#define ERF_FAR_RESULTS(NAME, ATTRIBUTES)                                                                \
    ATTRIBUTES static void NAME(const float *x, const float *square, const float *argument, float *y,    \
                                long count) {                                                            \
        for (long i = 0; i < count; i++) {                                                               \
            const float a = fabsf(x[i]), ratio = square[i] * argument[i] / a;                            \
            const float value = x[i] >= 0 ? 1.0f - ratio : ratio - 1.0f;                                 \
            y[i] = a >= 6 ? (x[i] > 0 ? 1.0f : -1.0f) : value;                                           \
        }                                                                                                \
    }

#if defined(__x86_64__)
ERF_FAR_ARGUMENTS(far_arguments16, __attribute__((target("avx512f"))))
ERF_FAR_RESULTS(far_results16, __attribute__((target("avx512f"))))
#endif
ERF_FAR_ARGUMENTS(far_arguments, )
ERF_FAR_RESULTS(far_results, )

// erff for |x| ≥ 1.25 or not finite; scratch holds 2·count floats, and neither it nor y may overlap x.
static void erf_far(const float *x, float *y, float *scratch, long count) {
    float *square = scratch, *argument = scratch + count;
    void (*arguments)(const float *, float *, float *, long) = far_arguments;
    void (*results)(const float *, const float *, const float *, float *, long) = far_results;
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) {
        arguments = far_arguments16;
        results = far_results16;
    }
#endif
    arguments(x, square, argument, count);
    qdqc_expf(square, square, count);
    qdqc_expf(argument, argument, count);
    results(x, square, argument, y, count);
    // Infinities and NaN: erff itself.
    for (long i = 0; i < count; i++) {
        if (!isfinite(x[i])) y[i] = erff(x[i]);
    }
}

// Chunks of QDQC_ERF_CHUNK: both rational functions below 1.25 run over the whole chunk branch-free and each
// element takes its own range's value; the elements at or above 1.25 (or NaN) are packed together for erfc's
// branch.
void qdqc_erff(const float *x, float *y, long count) {
    enum { CHUNK = QDQC_ERF_CHUNK };
    float copy[CHUNK], far[CHUNK], scratch[2 * CHUNK];
    int index[CHUNK];
    for (long start = 0; start < count; start += CHUNK) {
        const long length = count - start < CHUNK ? count - start : CHUNK;
        memcpy(copy, x + start, (size_t)length * sizeof(float));
        erf_near(copy, y + start, length);
        long farCount = 0;
        for (long i = 0; i < length; i++) {
            index[farCount] = (int)i;
            farCount += !(fabsf(copy[i]) < 1.25f);
        }
        if (farCount == 0) continue;
        for (long slot = 0; slot < farCount; slot++) far[slot] = copy[index[slot]];
        erf_far(far, copy, scratch, farCount);
        for (long slot = 0; slot < farCount; slot++) y[start + index[slot]] = copy[slot];
    }
}

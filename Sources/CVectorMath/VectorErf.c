// glibc's erff below |x| = 1.25 (fdlibm's two rational functions and the tiny-argument forms),
// sixteen or eight lanes at a time, for the interpreter's `VectorErf.near`.
//
// The Swift loop compiles for baseline x86-64 (four lanes) and was a tenth of a transformer's run
// (Gelu written out with Erf). Each lane makes the Swift loop's float operations in its order —
// a product, then a sum, never fused — so the bits are the same (`VectorErfTests`).
#include "CVectorMath.h"

#include <string.h>

#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__)
#include <immintrin.h>

static inline float bits(unsigned int pattern) {
    float value;
    memcpy(&value, &pattern, sizeof value);
    return value;
}

// One definition for both widths: V is the vector type, with SET, ADD, SUB, MUL, DIV, ABS, LT (ordered
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

long qdqc_erf_near_f32(const float *x, float *y, long count) {
    if (__builtin_cpu_supports("avx512f")) {
        near16(x, y, count);
        return count / 16 * 16;
    }
    if (__builtin_cpu_supports("avx2")) {
        near8(x, y, count);
        return count / 8 * 8;
    }
    return 0;
}

#else
long qdqc_erf_near_f32(const float *x, float *y, long count) {
    (void)x;
    (void)y;
    (void)count;
    return 0;
}
#endif

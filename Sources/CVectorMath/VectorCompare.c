// Comparisons of float32, int32 and int64 elements to bool bytes, eight elements at a time, for
// the interpreter's Equal, Less, Greater, LessOrEqual and GreaterOrEqual.
//
// The Swift loop compiles for baseline x86-64, which has no 64-bit integer compare (SSE4.2's
// pcmpgtq), so an int64 Equal (Magika's one-hot) went one element at a time. Each lane here is
// the IEEE (ordered) or two's-complement comparison Swift's operators make: NaN compares false,
// -0 equals +0.
#include "CVectorKernels.h"

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define ATTRIBUTES __attribute__((target("avx2")))

// Eight mask bits to eight bytes of 0 or 1 (bit k to byte k). Within a nibble the products
// j + 7i of bits and multiplier terms never coincide, so nothing carries.
static inline uint64_t spread(unsigned mask) {
    uint64_t low = ((uint64_t)(mask & 15) * 0x00204081ULL) & 0x01010101ULL;
    uint64_t high = ((uint64_t)((mask >> 4) & 15) * 0x00204081ULL) & 0x01010101ULL;
    return low | (high << 32);
}

// The scalar operators, for the tails.
#define SCALAR_LOOP(TYPE)                                                                       \
    for (; i < count; i++) {                                                                    \
        TYPE x = ((const TYPE *)a)[i * sa], y = ((const TYPE *)b)[i * sb];                      \
        int r;                                                                                  \
        switch (operation) {                                                                    \
        case 0: r = x == y; break;                                                              \
        case 1: r = x < y; break;                                                               \
        case 2: r = x > y; break;                                                               \
        case 3: r = x <= y; break;                                                              \
        default: r = x >= y; break;                                                             \
        }                                                                                       \
        out[i] = (unsigned char)r;                                                              \
    }

ATTRIBUTES static void compare_f32(int operation, const float *a, long sa, const float *b, long sb,
                                   unsigned char *out, long count) {
    long i = 0;
    const __m256 sa0 = _mm256_set1_ps(a[0]), sb0 = _mm256_set1_ps(b[0]);
    for (; i + 8 <= count; i += 8) {
        __m256 x = sa ? _mm256_loadu_ps(a + i) : sa0;
        __m256 y = sb ? _mm256_loadu_ps(b + i) : sb0;
        __m256 m;
        switch (operation) {
        case 0: m = _mm256_cmp_ps(x, y, _CMP_EQ_OQ); break;
        case 1: m = _mm256_cmp_ps(x, y, _CMP_LT_OQ); break;
        case 2: m = _mm256_cmp_ps(x, y, _CMP_GT_OQ); break;
        case 3: m = _mm256_cmp_ps(x, y, _CMP_LE_OQ); break;
        default: m = _mm256_cmp_ps(x, y, _CMP_GE_OQ); break;
        }
        uint64_t bytes = spread((unsigned)_mm256_movemask_ps(m));
        memcpy(out + i, &bytes, 8);
    }
    SCALAR_LOOP(float)
}

// Integer masks from equal and greater-than only: less is greater swapped, the others negations.
ATTRIBUTES static unsigned integer_mask(int operation, unsigned equal, unsigned greater, unsigned less) {
    switch (operation) {
    case 0: return equal;
    case 1: return less;
    case 2: return greater;
    case 3: return ~greater & 0xFF;
    default: return ~less & 0xFF;
    }
}

// Equal, greater and less masks of eight int32 elements from p and q.
ATTRIBUTES static void masks32(const int32_t *p, const int32_t *q, unsigned masks[3]) {
    __m256i x = _mm256_loadu_si256((const __m256i *)p), y = _mm256_loadu_si256((const __m256i *)q);
    masks[0] = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(x, y)));
    masks[1] = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(x, y)));
    masks[2] = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(y, x)));
}

ATTRIBUTES static unsigned mask64(__m256i m0, __m256i m1) {
    return (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(m0)) |
           ((unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(m1)) << 4);
}

// The same for int64, two registers of four.
ATTRIBUTES static void masks64(const int64_t *p, const int64_t *q, unsigned masks[3]) {
    __m256i x0 = _mm256_loadu_si256((const __m256i *)p), x1 = _mm256_loadu_si256((const __m256i *)(p + 4));
    __m256i y0 = _mm256_loadu_si256((const __m256i *)q), y1 = _mm256_loadu_si256((const __m256i *)(q + 4));
    masks[0] = mask64(_mm256_cmpeq_epi64(x0, y0), _mm256_cmpeq_epi64(x1, y1));
    masks[1] = mask64(_mm256_cmpgt_epi64(x0, y0), _mm256_cmpgt_epi64(x1, y1));
    masks[2] = mask64(_mm256_cmpgt_epi64(y0, x0), _mm256_cmpgt_epi64(y1, x1));
}

// A side with stride 0 reads eight copies of its element from a local buffer.
#define INTEGER_LOOP(NAME, TYPE, MASKS)                                                         \
    ATTRIBUTES static void NAME(int operation, const TYPE *a, long sa, const TYPE *b, long sb,  \
                                unsigned char *out, long count) {                               \
        TYPE copiesA[8], copiesB[8];                                                            \
        for (int k = 0; k < 8; k++) copiesA[k] = a[0], copiesB[k] = b[0];                        \
        long i = 0;                                                                             \
        for (; i + 8 <= count; i += 8) {                                                        \
            unsigned masks[3];                                                                  \
            MASKS(sa ? a + i : copiesA, sb ? b + i : copiesB, masks);                           \
            uint64_t bytes = spread(integer_mask(operation, masks[0], masks[1], masks[2]));     \
            memcpy(out + i, &bytes, 8);                                                         \
        }                                                                                       \
        SCALAR_LOOP(TYPE)                                                                       \
    }

INTEGER_LOOP(compare_i32, int32_t, masks32)
INTEGER_LOOP(compare_i64, int64_t, masks64)

int qdqc_compare(int type, int operation, const void *a, long sa, const void *b, long sb, unsigned char *out,
                 long count) {
    if (!(sa || sb) || operation < 0 || operation > 4 || !__builtin_cpu_supports("avx2")) return 0;
    switch (type) {
    case 0: compare_f32(operation, (const float *)a, sa, (const float *)b, sb, out, count); return 1;
    case 1: compare_i32(operation, (const int32_t *)a, sa, (const int32_t *)b, sb, out, count); return 1;
    case 2: compare_i64(operation, (const int64_t *)a, sa, (const int64_t *)b, sb, out, count); return 1;
    default: return 0;
    }
}

#else

int qdqc_compare(int type, int operation, const void *a, long sa, const void *b, long sb, unsigned char *out,
                 long count) {
    (void)type; (void)operation; (void)a; (void)sa; (void)b; (void)sb; (void)out; (void)count;
    return 0;
}

#endif

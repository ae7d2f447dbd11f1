// Float add, subtract, multiply and divide eight lanes at a time, for the interpreter's
// elementwise kernels.
//
// The Swift loops compile for baseline x86-64 (four lanes), and when the output is one of the
// inputs (a kernel writing over an input that dies) the compiler's overlap check sends them to
// a scalar loop. These loops load each vector before storing over it, so writing in place is
// safe and stays vectorized. Each lane is one IEEE operation, so the results are the same bits
// as the scalar loop's.
#include "CVectorMath.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define ATTRIBUTES __attribute__((target("avx2")))

#define LOOP(NAME, VECTOR, SCALAR)                                                              \
    ATTRIBUTES static void NAME(const float *a, long sa, const float *b, long sb, float *y,     \
                                long count) {                                                   \
        long i = 0;                                                                             \
        if (sa && sb) {                                                                         \
            for (; i + 8 <= count; i += 8) {                                                    \
                __m256 x = _mm256_loadu_ps(a + i), z = _mm256_loadu_ps(b + i);                  \
                _mm256_storeu_ps(y + i, VECTOR(x, z));                                          \
            }                                                                                   \
            for (; i < count; i++) y[i] = SCALAR(a[i], b[i]);                                   \
        } else if (sa) {                                                                        \
            const float s = b[0];                                                               \
            const __m256 z = _mm256_set1_ps(s);                                                 \
            for (; i + 8 <= count; i += 8) _mm256_storeu_ps(y + i, VECTOR(_mm256_loadu_ps(a + i), z)); \
            for (; i < count; i++) y[i] = SCALAR(a[i], s);                                      \
        } else {                                                                                \
            const float s = a[0];                                                               \
            const __m256 x = _mm256_set1_ps(s);                                                 \
            for (; i + 8 <= count; i += 8) _mm256_storeu_ps(y + i, VECTOR(x, _mm256_loadu_ps(b + i))); \
            for (; i < count; i++) y[i] = SCALAR(s, b[i]);                                      \
        }                                                                                       \
    }

#define ADD(p, q) ((p) + (q))
#define SUB(p, q) ((p) - (q))
#define MUL(p, q) ((p) * (q))
#define DIV(p, q) ((p) / (q))

LOOP(add8, _mm256_add_ps, ADD)
LOOP(sub8, _mm256_sub_ps, SUB)
LOOP(mul8, _mm256_mul_ps, MUL)
LOOP(div8, _mm256_div_ps, DIV)

int qdqc_binary_f32(int operation, const float *a, long sa, const float *b, long sb, float *y, long count) {
    if (!(sa || sb) || !__builtin_cpu_supports("avx2")) return 0;
    switch (operation) {
    case 0: add8(a, sa, b, sb, y, count); return 1;
    case 1: sub8(a, sa, b, sb, y, count); return 1;
    case 2: mul8(a, sa, b, sb, y, count); return 1;
    case 3: div8(a, sa, b, sb, y, count); return 1;
    default: return 0;
    }
}

#else

int qdqc_binary_f32(int operation, const float *a, long sa, const float *b, long sb, float *y, long count) {
    (void)operation; (void)a; (void)sa; (void)b; (void)sb; (void)y; (void)count;
    return 0;
}

#endif

// 2-D transposes of 4- and 8-byte elements through AVX registers, for the interpreter's
// Transpose (the NHWC/NCHW pairs around convolutions of tf2onnx models).
//
// The Swift loop moves one element per load and store (or four through SSE); these move eight
// (four) rows of eight (four) elements per block with in-register shuffles. Shuffles, loads and
// stores copy bits, so NaN payloads and signed zeros come out unchanged.
#include "CVectorKernels.h"

#include <stdint.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define ATTRIBUTES __attribute__((target("avx2")))

// dst[j·ds + k] = src[k·ss + j] for j, k < 8.
ATTRIBUTES static inline void block8(const float *src, long ss, float *dst, long ds) {
    __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + ss);
    __m256 r2 = _mm256_loadu_ps(src + 2 * ss), r3 = _mm256_loadu_ps(src + 3 * ss);
    __m256 r4 = _mm256_loadu_ps(src + 4 * ss), r5 = _mm256_loadu_ps(src + 5 * ss);
    __m256 r6 = _mm256_loadu_ps(src + 6 * ss), r7 = _mm256_loadu_ps(src + 7 * ss);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    _mm256_storeu_ps(dst, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(dst + ds, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(dst + 2 * ds, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(dst + 3 * ds, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(dst + 4 * ds, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(dst + 5 * ds, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(dst + 6 * ds, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(dst + 7 * ds, _mm256_permute2f128_ps(u3, u7, 0x31));
}

// dst[j·ds + k] = src[k·ss + j] for j, k < 4.
ATTRIBUTES static inline void block4(const double *src, long ss, double *dst, long ds) {
    __m256d r0 = _mm256_loadu_pd(src), r1 = _mm256_loadu_pd(src + ss);
    __m256d r2 = _mm256_loadu_pd(src + 2 * ss), r3 = _mm256_loadu_pd(src + 3 * ss);
    __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
    __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
    _mm256_storeu_pd(dst, _mm256_permute2f128_pd(t0, t2, 0x20));
    _mm256_storeu_pd(dst + ds, _mm256_permute2f128_pd(t1, t3, 0x20));
    _mm256_storeu_pd(dst + 2 * ds, _mm256_permute2f128_pd(t0, t2, 0x31));
    _mm256_storeu_pd(dst + 3 * ds, _mm256_permute2f128_pd(t1, t3, 0x31));
}

// Blocks of two by two register blocks (16 x 16 four-byte or 8 x 8 eight-byte elements): each
// reads whole 64-byte lines of its source rows and writes whole lines of its destination rows,
// so no line has to stay cached until a later block finishes it. Rows with a power-of-two byte
// stride (1024 channels of four bytes) all fall into the same few cache sets, and a loop that
// left lines half written for the next block lost them and wrote at a quarter of the speed.
// Columns outside, rows inside: consecutive blocks continue along the same source rows.
#define TRANSPOSE(NAME, TYPE, VTYPE, WIDTH, BLOCK)                                              \
    ATTRIBUTES static void NAME(const TYPE *src, long ss, TYPE *dst, long ds, long rows, long cols) { \
        const long wide = 2 * WIDTH;                                                            \
        const long rows2 = rows / wide * wide, rows1 = rows / WIDTH * WIDTH;                    \
        const long cols2 = cols / wide * wide, cols1 = cols / WIDTH * WIDTH;                    \
        for (long c = 0; c < cols1; c += WIDTH) {                                               \
            const long span = c < cols2 ? wide : WIDTH;                                         \
            for (long r = 0; r < rows1; r += (r < rows2 ? wide : WIDTH)) {                      \
                const long height = r < rows2 ? wide : WIDTH;                                   \
                for (long k = 0; k < span; k += WIDTH)                                          \
                    for (long j = 0; j < height; j += WIDTH)                                    \
                        BLOCK((const VTYPE *)(src + (c + k) * ss + r + j), ss,                  \
                              (VTYPE *)(dst + (r + j) * ds + c + k), ds);                       \
            }                                                                                   \
            for (long r = rows1; r < rows; r++)                                                 \
                for (long k = c; k < c + span; k++) dst[r * ds + k] = src[k * ss + r];          \
            c += span - WIDTH;                                                                  \
        }                                                                                       \
        for (long c = cols1; c < cols; c++)                                                     \
            for (long r = 0; r < rows; r++) dst[r * ds + c] = src[c * ss + r];                  \
    }

TRANSPOSE(transpose32, uint32_t, float, 8, block8)
TRANSPOSE(transpose64, uint64_t, double, 4, block4)

int qdqc_transpose_32(const void *src, long srcStride, void *dst, long dstStride, long rows, long cols) {
    if (!__builtin_cpu_supports("avx2")) return 0;
    transpose32((const uint32_t *)src, srcStride, (uint32_t *)dst, dstStride, rows, cols);
    return 1;
}

int qdqc_transpose_64(const void *src, long srcStride, void *dst, long dstStride, long rows, long cols) {
    if (!__builtin_cpu_supports("avx2")) return 0;
    transpose64((const uint64_t *)src, srcStride, (uint64_t *)dst, dstStride, rows, cols);
    return 1;
}

#else

int qdqc_transpose_32(const void *src, long srcStride, void *dst, long dstStride, long rows, long cols) {
    (void)src; (void)srcStride; (void)dst; (void)dstStride; (void)rows; (void)cols;
    return 0;
}

int qdqc_transpose_64(const void *src, long srcStride, void *dst, long dstStride, long rows, long cols) {
    (void)src; (void)srcStride; (void)dst; (void)dstStride; (void)rows; (void)cols;
    return 0;
}

#endif

// Float matrix products over packed panels of B, for the interpreter's MatMul, Gemm and
// convolutions.
//
// OpenBLAS packs the constant weights again on every call and sums in an order that depends on
// the CPU, the shape and the blocking, so a model's bits changed with the machine. Here every
// output element is one chain of fused multiply-adds over the inner index in order, so the AVX-512,
// AVX2 and scalar paths give the same bits, and a caller may keep B packed between calls (the
// interpreter packs a constant weight once). The tile is 12 rows × 32 columns with AVX-512 (24
// accumulators), 3 × 32 with AVX2 (12); A is read in place, one broadcast per row and step.
#include "CVectorMath.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// alpha · sum + beta · c is two roundings and a sum, on every path: never one fused operation.
#pragma STDC FP_CONTRACT OFF

#define PANEL QDQC_GEMM_PANEL
// Inner-index steps per block and rows per block: a block of A (256 KiB here) stays in L2 while
// every panel of B passes through it.
#define INNER_BLOCK 256
#define ROW_BLOCK 256
// Panels packed at once when B is not packed already: 8 × 256 × 32 floats, 256 KiB.
#define GROUP 8
// Floats between those panels beyond their own: a cache line, so that the eight panels' rows, written
// side by side, do not all fall in the same sets of the first-level cache (256 × 128 bytes is a multiple
// of 4 KiB).
#define PANEL_PAD 16

/// Four floats moved as one, from any float-aligned address.
typedef float quad __attribute__((vector_size(16), aligned(4)));

/// One row of a panel, 32 floats, in eight moves written out: memcpy was a library call per 128 bytes,
/// a plain loop stayed one float a move (overlap cannot be ruled out) or became that call again.
static inline void copy_panel_row(const float *from, float *to) {
    const quad *source = (const quad *)from;
    quad *target = (quad *)to;
    const quad q0 = source[0], q1 = source[1], q2 = source[2], q3 = source[3];
    const quad q4 = source[4], q5 = source[5], q6 = source[6], q7 = source[7];
    target[0] = q0, target[1] = q1, target[2] = q2, target[3] = q3;
    target[4] = q4, target[5] = q5, target[6] = q6, target[7] = q7;
}

long qdqc_sgemm_packed_count(long k, long n) { return (n + PANEL - 1) / PANEL * k * PANEL; }

/// Panels of `columns` columns of B starting at `b` (the last zero-padded to 32), `k` rows each, `stride`
/// floats apart. Row-major B is read up to 256 floats of a row at a time (eight panels), not 32.
static void pack_panels(const float *b, long ldb, int transposed, long k, long columns, float *out, long stride) {
    const long panels = (columns + PANEL - 1) / PANEL;
    if (!transposed) {
        for (long i = 0; i < k; i++) {
            const float *row = b + i * ldb;
            for (long p = 0; p < panels; p++) {
                float *target = out + p * stride + i * PANEL;
                const long first = p * PANEL, width = columns - first < PANEL ? columns - first : PANEL;
                if (width == PANEL) {
                    copy_panel_row(row + first, target);
                } else {
                    long j = 0;
                    for (; j < width; j++) target[j] = row[first + j];
                    for (; j < PANEL; j++) target[j] = 0;
                }
            }
        }
        return;
    }
    // A transposed B's panel is a transpose of 32 of its rows: through registers, 8 × 8 blocks at a time,
    // rather than one float per 128-byte stride.
    for (long p = 0; p < panels; p++) {
        float *target = out + p * stride;
        const long first = p * PANEL, width = columns - first < PANEL ? columns - first : PANEL;
        if (!qdqc_transpose_32(b + first * ldb, ldb, target, PANEL, k, width)) {
            for (long j = 0; j < width; j++)
                for (long i = 0; i < k; i++) target[i * PANEL + j] = b[(first + j) * ldb + i];
        }
        for (long i = 0; i < k && width < PANEL; i++)
            for (long j = width; j < PANEL; j++) target[i * PANEL + j] = 0;
    }
}

void qdqc_sgemm_pack(const float *b, long ldb, int transposed, long k, long n, float *packed) {
    pack_panels(b, ldb, transposed, k, n, packed, k * PANEL);
}

static inline float finish(float sum, float alpha, float beta, const float *c) {
    float value = alpha * sum;
    if (beta == 0) return value;
    float scaled = beta * *c;
    return value + scaled;
}

/// The scalar path: the definition the vector paths match bit for bit.
static void tile_scalar(long rows, long columns, long k, const float *a, long rs, long ks, const float *panel,
                        float alpha, float beta, float *c, long ldc, int resume, int last) {
    for (long r = 0; r < rows; r++) {
        for (long j = 0; j < columns; j++) {
            float sum = resume ? c[r * ldc + j] : 0;
            for (long i = 0; i < k; i++) sum = fmaf(a[r * rs + i * ks], panel[i * PANEL + j], sum);
            c[r * ldc + j] = last ? finish(sum, alpha, beta, c + r * ldc + j) : sum;
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

#define ATTR512 __attribute__((target("avx512f,fma")))
#define ATTR256 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
// Fully unrolled, the accumulators live in registers; left rolled, clang keeps them on the stack.
#if defined(__clang__)
#define UNROLL _Pragma("unroll")
#else
#define UNROLL _Pragma("GCC unroll 12")
#endif

/// Rows × 32 outputs, rows a constant after inlining so the accumulators stay in registers.
INLINE ATTR512 void tile512(const int rows, const int masked, long columns, long k, const float *a, long rs, long ks,
                            const float *panel, long ps, float alpha, float beta, float *c, long ldc, int resume,
                            int last) {
    const __mmask16 mask0 = columns >= 16 ? 0xFFFF : (__mmask16)((1u << columns) - 1);
    const __mmask16 mask1 = columns >= 32 ? 0xFFFF : columns <= 16 ? 0 : (__mmask16)((1u << (columns - 16)) - 1);
    __m512 low[12], high[12];
    UNROLL for (int r = 0; r < rows; r++) {
        low[r] = resume ? _mm512_maskz_loadu_ps(mask0, c + r * ldc) : _mm512_setzero_ps();
        high[r] = resume ? _mm512_maskz_loadu_ps(mask1, c + r * ldc + 16) : _mm512_setzero_ps();
    }
    for (long i = 0; i < k; i++) {
        const float *from = panel + i * ps;
        // A partial panel read in place: the columns past its end are never touched.
        const __m512 b0 = masked ? _mm512_maskz_loadu_ps(mask0, from) : _mm512_loadu_ps(from);
        const __m512 b1 = masked ? _mm512_maskz_loadu_ps(mask1, from + 16) : _mm512_loadu_ps(from + 16);
        const float *column = a + i * ks;
        UNROLL for (int r = 0; r < rows; r++) {
            const __m512 x = _mm512_set1_ps(column[r * rs]);
            low[r] = _mm512_fmadd_ps(x, b0, low[r]);
            high[r] = _mm512_fmadd_ps(x, b1, high[r]);
        }
    }
    if (!last) {
        UNROLL for (int r = 0; r < rows; r++) {
            _mm512_mask_storeu_ps(c + r * ldc, mask0, low[r]);
            _mm512_mask_storeu_ps(c + r * ldc + 16, mask1, high[r]);
        }
        return;
    }
    const __m512 scale = _mm512_set1_ps(alpha), keep = _mm512_set1_ps(beta);
    UNROLL for (int r = 0; r < rows; r++) {
        float *out = c + r * ldc;
        __m512 v0 = _mm512_mul_ps(scale, low[r]), v1 = _mm512_mul_ps(scale, high[r]);
        if (beta != 0) {
            v0 = _mm512_add_ps(v0, _mm512_mul_ps(keep, _mm512_maskz_loadu_ps(mask0, out)));
            v1 = _mm512_add_ps(v1, _mm512_mul_ps(keep, _mm512_maskz_loadu_ps(mask1, out + 16)));
        }
        _mm512_mask_storeu_ps(out, mask0, v0);
        _mm512_mask_storeu_ps(out + 16, mask1, v1);
    }
}

INLINE ATTR512 void rows512_(const int masked, long m, long columns, long k, const float *a, const long rs,
                             const long ks, const float *panel, long ps, float alpha, float beta, float *c, long ldc,
                             int resume, int last) {
#define TILE(rows, from, to)                                                                                   \
    tile512(rows, masked, columns, k, from, rs, ks, panel, ps, alpha, beta, to, ldc, resume, last)
    long r = 0;
    for (; r + 12 <= m; r += 12) TILE(12, a + r * rs, c + r * ldc);
    const float *rest = a + r * rs;
    float *out = c + r * ldc;
    switch (m - r) {
    case 11: TILE(11, rest, out); break;
    case 10: TILE(10, rest, out); break;
    case 9: TILE(9, rest, out); break;
    case 8: TILE(8, rest, out); break;
    case 7: TILE(7, rest, out); break;
    case 6: TILE(6, rest, out); break;
    case 5: TILE(5, rest, out); break;
    case 4: TILE(4, rest, out); break;
    case 3: TILE(3, rest, out); break;
    case 2: TILE(2, rest, out); break;
    case 1: TILE(1, rest, out); break;
    default: break;
    }
#undef TILE
}

/// A row-major A (ks 1) gets its own copy of the loops: the compiler then steps one pointer per row. Panel
/// rows are `ps` floats apart: 32 when packed, B's row stride when read in place; only a partial panel read
/// in place needs masked loads.
ATTR512 static void rows512(long m, long columns, long k, const float *a, long rs, long ks, const float *panel,
                            long ps, float alpha, float beta, float *c, long ldc, int resume, int last) {
    const int masked = columns < PANEL && ps != PANEL;
    if (masked) {
        if (ks == 1) rows512_(1, m, columns, k, a, rs, 1, panel, ps, alpha, beta, c, ldc, resume, last);
        else rows512_(1, m, columns, k, a, 1, ks, panel, ps, alpha, beta, c, ldc, resume, last);
    } else {
        if (ks == 1) rows512_(0, m, columns, k, a, rs, 1, panel, ps, alpha, beta, c, ldc, resume, last);
        else rows512_(0, m, columns, k, a, 1, ks, panel, ps, alpha, beta, c, ldc, resume, last);
    }
}

INLINE ATTR256 void tile256(const int rows, long columns, long k, const float *a, long rs, long ks,
                            const float *panel, float alpha, float beta, float *c, long ldc, int resume, int last) {
    __m256 sums[3][4];
    UNROLL for (int r = 0; r < rows; r++) {
        // Partial panels go through a full-width copy: AVX2 has no cheap masked float load or store.
        float staged[PANEL] = {0};
        const float *from = c + r * ldc;
        if (resume && columns != PANEL) {
            memcpy(staged, from, (size_t)columns * sizeof(float));
            from = staged;
        }
        UNROLL for (int q = 0; q < 4; q++) sums[r][q] = resume ? _mm256_loadu_ps(from + 8 * q) : _mm256_setzero_ps();
    }
    for (long i = 0; i < k; i++) {
        const float *row = panel + i * PANEL;
        const __m256 b0 = _mm256_loadu_ps(row), b1 = _mm256_loadu_ps(row + 8);
        const __m256 b2 = _mm256_loadu_ps(row + 16), b3 = _mm256_loadu_ps(row + 24);
        const float *column = a + i * ks;
        UNROLL for (int r = 0; r < rows; r++) {
            const __m256 x = _mm256_set1_ps(column[r * rs]);
            sums[r][0] = _mm256_fmadd_ps(x, b0, sums[r][0]);
            sums[r][1] = _mm256_fmadd_ps(x, b1, sums[r][1]);
            sums[r][2] = _mm256_fmadd_ps(x, b2, sums[r][2]);
            sums[r][3] = _mm256_fmadd_ps(x, b3, sums[r][3]);
        }
    }
    const __m256 scale = _mm256_set1_ps(alpha), keep = _mm256_set1_ps(beta);
    UNROLL for (int r = 0; r < rows; r++) {
        float *out = c + r * ldc;
        float staged[PANEL] = {0};
        float *target = columns == PANEL ? out : staged;
        if (columns != PANEL && last && beta != 0) memcpy(staged, out, (size_t)columns * sizeof(float));
        UNROLL for (int q = 0; q < 4; q++) {
            __m256 v = sums[r][q];
            if (last) v = _mm256_mul_ps(scale, v);
            if (last && beta != 0) v = _mm256_add_ps(v, _mm256_mul_ps(keep, _mm256_loadu_ps(target + 8 * q)));
            _mm256_storeu_ps(target + 8 * q, v);
        }
        if (columns != PANEL) memcpy(out, staged, (size_t)columns * sizeof(float));
    }
}

INLINE ATTR256 void rows256_(long m, long columns, long k, const float *a, const long rs, const long ks,
                             const float *panel, float alpha, float beta, float *c, long ldc, int resume, int last) {
    long r = 0;
    for (; r + 3 <= m; r += 3) tile256(3, columns, k, a + r * rs, rs, ks, panel, alpha, beta, c + r * ldc, ldc, resume, last);
    if (m - r == 2) tile256(2, columns, k, a + r * rs, rs, ks, panel, alpha, beta, c + r * ldc, ldc, resume, last);
    if (m - r == 1) tile256(1, columns, k, a + r * rs, rs, ks, panel, alpha, beta, c + r * ldc, ldc, resume, last);
}

ATTR256 static void rows256(long m, long columns, long k, const float *a, long rs, long ks, const float *panel,
                            float alpha, float beta, float *c, long ldc, int resume, int last) {
    if (ks == 1) rows256_(m, columns, k, a, rs, 1, panel, alpha, beta, c, ldc, resume, last);
    else rows256_(m, columns, k, a, 1, ks, panel, alpha, beta, c, ldc, resume, last);
}

static int best_path(int requested) {
    int best = 1;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = 2;
    if (best == 2 && __builtin_cpu_supports("avx512f")) best = 3;
    return requested > 0 && requested < best ? requested : best;
}
#else
static int best_path(int requested) {
    (void)requested;
    return 1;
}
#endif

int qdqc_sgemm(long m, long n, long k, float alpha, const float *a, long lda, int transposed_a, const float *b,
               long ldb, int transposed_b, const float *packed, float beta, float *c, long ldc, int path) {
    if (m <= 0 || n <= 0) return 1;
    if (k <= 0) {
        for (long r = 0; r < m; r++)
            for (long j = 0; j < n; j++) c[r * ldc + j] = finish(0, alpha, beta, c + r * ldc + j);
        return 1;
    }
    const long rs = transposed_a ? 1 : lda, ks = transposed_a ? lda : 1;
    // Blocks of the inner index keep a block of A in L2 while every panel passes by; between blocks
    // the running sums wait in c (stored and reloaded exactly, so the chain is unbroken). With beta
    // non-zero c still holds its old values, so the whole inner index is one block.
    const long depth = beta == 0 ? INNER_BLOCK : k;
    const long slice = depth < k ? depth : k;
    const int chosen = best_path(path);
    // With AVX-512, a row-major B is read where it lies (masked loads cover a partial last panel): its panel
    // rows are then ldb floats apart instead of 32. Packing it was a copy of all of B per call (an eighth of
    // a CNN's time); the tiles that follow find a panel's rows in cache either way.
    const int in_place = !packed && !transposed_b && chosen == 3;
    void *block_of_scratch = NULL;
    float *scratch = NULL;
    if (!packed && !in_place) {
        // Plain malloc, aligned by hand: before glibc 2.38 a freed aligned_alloc block is rarely reused
        // by the next aligned request, and a run's heap grew by megabytes (see ArrayBuffer.swift).
        block_of_scratch = malloc((size_t)(slice * PANEL + PANEL_PAD) * GROUP * sizeof(float) + 63);
        if (!block_of_scratch) return 0;
        scratch = (float *)(((uintptr_t)block_of_scratch + 63) & ~(uintptr_t)63);
    }
    for (long inner = 0; inner < k; inner += slice) {
        const long count = k - inner < slice ? k - inner : slice;
        const int resume = inner > 0, last = inner + count == k;
        // B packed here is packed once per group of panels, and every row block of A then passes it; B
        // packed already or read in place meets the row blocks of A in turn instead, each staying in L2.
        const long row_blocks = (m + ROW_BLOCK - 1) / ROW_BLOCK, groups = (n + GROUP * PANEL - 1) / (GROUP * PANEL);
        const int packing = !packed && !in_place;
        for (long outer = 0; outer < (packing ? groups : row_blocks); outer++) {
            for (long next = 0; next < (packing ? row_blocks : groups); next++) {
                const long row = (packing ? next : outer) * ROW_BLOCK, group = (packing ? outer : next) * GROUP * PANEL;
                const long rows = m - row < ROW_BLOCK ? m - row : ROW_BLOCK;
                const long width = n - group < GROUP * PANEL ? n - group : GROUP * PANEL;
                const float *block = a + row * rs + inner * ks;
                if (packing && next == 0) {
                    const float *start = transposed_b ? b + group * ldb + inner : b + inner * ldb + group;
                    pack_panels(start, ldb, transposed_b, count, width, scratch, count * PANEL + PANEL_PAD);
                }
                for (long first = 0; first < width; first += PANEL) {
                    const long columns = width - first < PANEL ? width - first : PANEL;
                    const float *panel = packed     ? packed + ((group + first) / PANEL * k + inner) * PANEL
                                         : in_place ? b + inner * ldb + group + first
                                                    : scratch + first / PANEL * (count * PANEL + PANEL_PAD);
                    float *out = c + row * ldc + group + first;
                    switch (chosen) {
#if defined(__x86_64__)
                    case 3: {
                        const long ps = in_place ? ldb : PANEL;
                        rows512(rows, columns, count, block, rs, ks, panel, ps, alpha, beta, out, ldc, resume, last);
                        break;
                    }
                    case 2:
                        rows256(rows, columns, count, block, rs, ks, panel, alpha, beta, out, ldc, resume, last);
                        break;
#endif
                    default:
                        tile_scalar(rows, columns, count, block, rs, ks, panel, alpha, beta, out, ldc, resume, last);
                    }
                }
            }
        }
    }
    free(block_of_scratch);
    return 1;
}

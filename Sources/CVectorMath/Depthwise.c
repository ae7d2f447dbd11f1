// Depthwise 2-D convolution eight output columns at a time, for the interpreter's Conv kernel.
//
// The Swift loop (ConvKernels.depthwise) starts each output at its bias and adds weight × input
// for every tap inside the image, in row-tap then column-tap order, the product rounded before
// the add. This file does the same operations in the same order per output, so the sums are the
// same bits: eight neighbouring outputs share a register, up to four registers are summed at once
// so the adds do not wait on each other, and taps that are inside the image for only some lanes
// of a register are blended in only for those lanes (a masked load never touches the others).
// No fused multiply-add: the target has no FMA, and contraction is off besides.
#include "CVectorDepthwise.h"
#include "Evens.h"

#include <stdlib.h>

#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__)
#include <immintrin.h>

#define ATTRIBUTES __attribute__((target("avx2")))

/// A column tap: the input under output column c is `row + offset + c` (with `strided`,
/// `row + offset + 2c`), inside the image for c in [first, last) (with `strided`, the element after
/// it too); `kinds[b]` says how the tap covers the eight columns of block b (0 none, 1 all, 2 some:
/// `masks[b]`, with `strided` `masks[2b]` and `masks[2b + 1]` over the sixteen elements read).
typedef struct {
    long offset;
    long first, last;
    const signed char *kinds;
    const __m256i *masks;
} column_tap;

/// The lanes c0..c0+7 that lie in [first, last), as a mask.
ATTRIBUTES static inline __m256i lanes(long c0, long first, long last) {
    const __m256i index = _mm256_add_epi32(_mm256_set1_epi32((int)c0), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const __m256i above = _mm256_cmpgt_epi32(index, _mm256_set1_epi32((int)first - 1));
    const __m256i below = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)last), index);
    return _mm256_and_si256(above, below);
}

/// The inputs under the eight columns of block b: source[8b...], or with `strided` every second
/// one of source[16b...16b+15].
ATTRIBUTES static inline __m256 block(const float *source, long b, int strided) {
    if (!strided) return _mm256_loadu_ps(source + 8 * b);
    return qdqc_evens(_mm256_loadu_ps(source + 16 * b), _mm256_loadu_ps(source + 16 * b + 8));
}

/// sum + weight × the block's inputs in the lanes where the tap is inside the image, sum elsewhere;
/// with `strided`, columns on padding add weight × 0, as the Swift loop's gathered zeros do.
ATTRIBUTES static inline __m256 add_tap(__m256 sum, __m256 weight, const float *source, const column_tap *t, long b,
                                        int strided) {
    switch (t->kinds[b]) {
    case 1: return _mm256_add_ps(sum, _mm256_mul_ps(weight, block(source, b, strided)));
    case 2: {
        if (strided) {
            const __m256 values = qdqc_evens(_mm256_maskload_ps(source + 16 * b, t->masks[2 * b]),
                                             _mm256_maskload_ps(source + 16 * b + 8, t->masks[2 * b + 1]));
            return _mm256_add_ps(sum, _mm256_mul_ps(weight, values));
        }
        const __m256i mask = t->masks[b];
        const __m256 added = _mm256_add_ps(sum, _mm256_mul_ps(weight, _mm256_maskload_ps(source + 8 * b, mask)));
        return _mm256_blendv_ps(sum, added, _mm256_castsi256_ps(mask));
    }
    default: return sum;
    }
}

/// One output row: `line[c] = bias + Σ weight × input` over the taps inside the image at c, row
/// tap by row tap (`rows[r]` and its weights `weightRows[r]`), column tap by column tap.
ATTRIBUTES static inline __attribute__((always_inline)) void
row_of(float *line, long width, const float *const *rows, const float *const *weightRows, long rowCount,
       const column_tap *columns, long kernelWidth, float bias, int strided) {
    const __m256 start = _mm256_set1_ps(bias);
    const long blocks = (width + 7) / 8;
    long b = 0;
    for (; b + 4 <= blocks; b += 4) {
        const long c = 8 * b;
        __m256 s0 = start, s1 = start, s2 = start, s3 = start;
        for (long r = 0; r < rowCount; r++) {
            for (long k = 0; k < kernelWidth; k++) {
                const column_tap *t = columns + k;
                const __m256 weight = _mm256_set1_ps(weightRows[r][k]);
                const float *source = rows[r] + t->offset;
                if (c >= t->first && c + 32 <= t->last) {
                    s0 = _mm256_add_ps(s0, _mm256_mul_ps(weight, block(source, b, strided)));
                    s1 = _mm256_add_ps(s1, _mm256_mul_ps(weight, block(source, b + 1, strided)));
                    s2 = _mm256_add_ps(s2, _mm256_mul_ps(weight, block(source, b + 2, strided)));
                    s3 = _mm256_add_ps(s3, _mm256_mul_ps(weight, block(source, b + 3, strided)));
                } else {
                    s0 = add_tap(s0, weight, source, t, b, strided);
                    s1 = add_tap(s1, weight, source, t, b + 1, strided);
                    s2 = add_tap(s2, weight, source, t, b + 2, strided);
                    s3 = add_tap(s3, weight, source, t, b + 3, strided);
                }
            }
        }
        __m256 sums[4] = {s0, s1, s2, s3};
        for (long j = 0; j < 4; j++) {
            if (c + 8 * j + 8 <= width) {
                _mm256_storeu_ps(line + c + 8 * j, sums[j]);
            } else {
                _mm256_maskstore_ps(line + c + 8 * j, lanes(c + 8 * j, 0, width), sums[j]);
            }
        }
    }
    // The last one to three blocks, the last one perhaps masked at the row's end.
    for (; b < blocks; b += 2) {
        const long pair = b + 1 < blocks;
        __m256 s0 = start, s1 = start;
        for (long r = 0; r < rowCount; r++) {
            for (long k = 0; k < kernelWidth; k++) {
                const column_tap *t = columns + k;
                const __m256 weight = _mm256_set1_ps(weightRows[r][k]);
                const float *source = rows[r] + t->offset;
                s0 = add_tap(s0, weight, source, t, b, strided);
                if (pair) s1 = add_tap(s1, weight, source, t, b + 1, strided);
            }
        }
        __m256 sums[2] = {s0, s1};
        for (long j = 0; j <= pair; j++) {
            const long c = 8 * (b + j);
            if (c + 8 <= width) {
                _mm256_storeu_ps(line + c, sums[j]);
            } else {
                _mm256_maskstore_ps(line + c, lanes(c, 0, width), sums[j]);
            }
        }
    }
}

ATTRIBUTES static void row(float *line, long width, const float *const *rows, const float *const *weightRows,
                           long rowCount, const column_tap *columns, long kernelWidth, float bias) {
    row_of(line, width, rows, weightRows, rowCount, columns, kernelWidth, bias, 0);
}

ATTRIBUTES static void row2(float *line, long width, const float *const *rows, const float *const *weightRows,
                            long rowCount, const column_tap *columns, long kernelWidth, float bias) {
    row_of(line, width, rows, weightRows, rowCount, columns, kernelWidth, bias, 1);
}

/// The output columns [first, last) whose input column `c * stride + offset` is in [0, inputs):
/// ConvKernels.validRange.
static void valid_range(long offset, long stride, long outputs, long inputs, long *first, long *last) {
    long begin = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    const long limit = inputs - offset;
    long end = limit <= 0 ? 0 : (limit + stride - 1) / stride;
    if (begin > outputs) begin = outputs;
    if (end > outputs) end = outputs;
    if (end < begin) end = begin;
    *first = begin;
    *last = end;
}

/// `line[c]` = the input column `c * stride + offset` of `source`, 0 outside [0, width).
static void gather_row(const float *source, long stride, long offset, long width, float *line, long outWidth) {
    long first, last;
    valid_range(offset, stride, outWidth, width, &first, &last);
    for (long c = 0; c < first; c++) line[c] = 0;
    if (last > first && !qdqc_gather_f32(source + first * stride + offset, stride, line + first, last - first)) {
        for (long c = first; c < last; c++) line[c] = source[c * stride + offset];
    }
    for (long c = last; c < outWidth; c++) line[c] = 0;
}

ATTRIBUTES static int depthwise(const qdqc_window2d *g, const float *input, const float *weights, const float *bias,
                                float *output, long channels) {
    const long kernelWidth = g->kernelWidth;
    const long kernelSize = g->kernelHeight * kernelWidth;
    const long blocks = (g->outWidth + 7) / 8;
    // A column stride of 2 reads every second input column straight from the plane; wider ones
    // gather, for each column tap, the input columns it reads (zeros on padding) as the Swift loop
    // lays them out. Either way the taps on padding add weight × 0 there, as in that loop.
    const int strided = g->strideW == 2;
    const int gathered = g->strideW != 1 && !strided;
    const long scratchSize = gathered ? kernelWidth * g->height * g->outWidth : 0;
    float *scratch = malloc(sizeof(float) * (size_t)(scratchSize + 1));
    column_tap *columns = malloc(sizeof(column_tap) * (size_t)kernelWidth);
    signed char *kinds = malloc((size_t)(kernelWidth * blocks + 1));
    __m256i *masks = aligned_alloc(32, sizeof(__m256i) * (size_t)(2 * kernelWidth * blocks + 1));
    const float **rows = malloc(sizeof(float *) * (size_t)g->kernelHeight);
    const float **weightRows = malloc(sizeof(float *) * (size_t)g->kernelHeight);
    int done = 0;
    if (!scratch || !columns || !kinds || !masks || !rows || !weightRows) goto end;
    for (long k = 0; k < kernelWidth; k++) {
        column_tap *t = columns + k;
        t->kinds = kinds + k * blocks;
        t->masks = masks + 2 * k * blocks;
        if (gathered) {
            t->offset = k * g->height * g->outWidth;
            t->first = 0;
            t->last = g->outWidth;
        } else {
            t->offset = k * g->dilationW - g->padLeft;
            valid_range(t->offset, 1, g->outWidth, g->width, &t->first, &t->last);
        }
        if (strided) {
            // Output columns whose two input elements (2c + offset and the one after) are inside.
            const long offset = t->offset;
            long first = offset >= 0 ? 0 : (1 - offset) / 2;
            long last = g->width - 2 - offset < 0 ? 0 : (g->width - 2 - offset) / 2 + 1;
            if (first > g->outWidth) first = g->outWidth;
            if (last > g->outWidth) last = g->outWidth;
            t->first = first;
            t->last = last < first ? first : last;
        }
        for (long b = 0; b < blocks; b++) {
            const long c = 8 * b;
            const int all = c >= t->first && c + 8 <= t->last;
            if (strided) {
                // Every block adds, padding as zeros: masked loads read only the elements inside.
                kinds[k * blocks + b] = all ? 1 : 2;
                masks[2 * k * blocks + 2 * b] = lanes(2 * c + t->offset, 0, g->width);
                masks[2 * k * blocks + 2 * b + 1] = lanes(2 * c + t->offset + 8, 0, g->width);
            } else {
                const int some = t->first < t->last && c + 8 > t->first && c < t->last;
                kinds[k * blocks + b] = all ? 1 : some ? 2 : 0;
                masks[2 * k * blocks + b] = lanes(c, t->first, t->last);
            }
        }
    }
    for (long channel = 0; channel < channels; channel++) {
        const float *plane = input + channel * g->height * g->width;
        float *target = output + channel * g->outHeight * g->outWidth;
        const float *filter = weights + channel * kernelSize;
        if (gathered) {
            for (long k = 0; k < kernelWidth; k++) {
                for (long inRow = 0; inRow < g->height; inRow++) {
                    gather_row(plane + inRow * g->width, g->strideW, k * g->dilationW - g->padLeft, g->width,
                               scratch + (k * g->height + inRow) * g->outWidth, g->outWidth);
                }
            }
        }
        const float *base = gathered ? scratch : plane;
        const long rowStride = gathered ? g->outWidth : g->width;
        for (long outRow = 0; outRow < g->outHeight; outRow++) {
            long count = 0;
            for (long tapH = 0; tapH < g->kernelHeight; tapH++) {
                const long inRow = outRow * g->strideH + tapH * g->dilationH - g->padTop;
                if (inRow < 0 || inRow >= g->height) continue;
                rows[count] = base + inRow * rowStride;
                weightRows[count] = filter + tapH * kernelWidth;
                count++;
            }
            (strided ? row2 : row)(target + outRow * g->outWidth, g->outWidth, rows, weightRows, count, columns,
                                   kernelWidth, bias ? bias[channel] : 0);
        }
    }
    done = 1;
end:
    free(scratch);
    free(columns);
    free(kinds);
    free(masks);
    free(rows);
    free(weightRows);
    return done;
}

int qdqc_depthwise_f32(const qdqc_window2d *window, const float *input, const float *weights, const float *bias,
                       float *output, long channels) {
    // Column indices are compared as 32-bit lanes.
    if (window->outWidth >= (1L << 30) || window->width >= (1L << 30)) return 0;
    if (!__builtin_cpu_supports("avx2")) return 0;
    return depthwise(window, input, weights, bias, output, channels);
}

#else

int qdqc_depthwise_f32(const qdqc_window2d *window, const float *input, const float *weights, const float *bias,
                       float *output, long channels) {
    (void)window; (void)input; (void)weights; (void)bias; (void)output; (void)channels;
    return 0;
}

#endif

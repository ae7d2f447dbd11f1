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

#include <stdlib.h>

#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__)
#include <immintrin.h>

#define ATTRIBUTES __attribute__((target("avx2")))

/// One tap of an output row: `source[c]` is the input under output column c, valid for c in
/// [first, last).
typedef struct {
    const float *source;
    float weight;
    int first, last;
} tap;

/// The lanes c0..c0+7 that lie in [first, last) and below `limit`, as a mask.
ATTRIBUTES static inline __m256i lanes(long c0, long first, long last, long limit) {
    const __m256i index = _mm256_add_epi32(_mm256_set1_epi32((int)c0), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const long end = last < limit ? last : limit;
    const __m256i above = _mm256_cmpgt_epi32(index, _mm256_set1_epi32((int)first - 1));
    const __m256i below = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)end), index);
    return _mm256_and_si256(above, below);
}

/// sum + weight × source[c0..c0+7] in the lanes where the tap is valid, sum elsewhere.
ATTRIBUTES static inline __m256 add_tap(__m256 sum, const tap *t, long c0, long limit) {
    const __m256 weight = _mm256_set1_ps(t->weight);
    if (c0 >= t->first && c0 + 8 <= t->last && c0 + 8 <= limit) {
        return _mm256_add_ps(sum, _mm256_mul_ps(weight, _mm256_loadu_ps(t->source + c0)));
    }
    const __m256i mask = lanes(c0, t->first, t->last, limit);
    if (_mm256_testz_si256(mask, mask)) return sum;
    const __m256 values = _mm256_maskload_ps(t->source + c0, mask);
    const __m256 added = _mm256_add_ps(sum, _mm256_mul_ps(weight, values));
    return _mm256_blendv_ps(sum, added, _mm256_castsi256_ps(mask));
}

/// One output row: `line[c] = bias + Σ weight × source[c]` over the taps valid at c, in order.
ATTRIBUTES static void row(float *line, long width, const tap *taps, long count, float bias) {
    const __m256 start = _mm256_set1_ps(bias);
    long c = 0;
    for (; c + 32 <= width; c += 32) {
        __m256 s0 = start, s1 = start, s2 = start, s3 = start;
        for (long k = 0; k < count; k++) {
            const tap *t = taps + k;
            if (c >= t->first && c + 32 <= t->last) {
                const __m256 weight = _mm256_set1_ps(t->weight);
                s0 = _mm256_add_ps(s0, _mm256_mul_ps(weight, _mm256_loadu_ps(t->source + c)));
                s1 = _mm256_add_ps(s1, _mm256_mul_ps(weight, _mm256_loadu_ps(t->source + c + 8)));
                s2 = _mm256_add_ps(s2, _mm256_mul_ps(weight, _mm256_loadu_ps(t->source + c + 16)));
                s3 = _mm256_add_ps(s3, _mm256_mul_ps(weight, _mm256_loadu_ps(t->source + c + 24)));
            } else {
                s0 = add_tap(s0, t, c, width);
                s1 = add_tap(s1, t, c + 8, width);
                s2 = add_tap(s2, t, c + 16, width);
                s3 = add_tap(s3, t, c + 24, width);
            }
        }
        _mm256_storeu_ps(line + c, s0);
        _mm256_storeu_ps(line + c + 8, s1);
        _mm256_storeu_ps(line + c + 16, s2);
        _mm256_storeu_ps(line + c + 24, s3);
    }
    // The rest, two registers at a time then one, the last one masked at the row's end.
    for (; c + 8 < width; c += 16) {
        __m256 s0 = start, s1 = start;
        for (long k = 0; k < count; k++) {
            s0 = add_tap(s0, taps + k, c, width);
            s1 = add_tap(s1, taps + k, c + 8, width);
        }
        _mm256_storeu_ps(line + c, s0);
        if (c + 16 <= width) {
            _mm256_storeu_ps(line + c + 8, s1);
        } else {
            _mm256_maskstore_ps(line + c + 8, lanes(c + 8, 0, width, width), s1);
        }
    }
    if (c < width) {
        __m256 s0 = start;
        for (long k = 0; k < count; k++) s0 = add_tap(s0, taps + k, c, width);
        _mm256_maskstore_ps(line + c, lanes(c, 0, width, width), s0);
    }
}

/// The output columns [first, last) whose input column `c * stride + offset` is in [0, inputs):
/// ConvKernels.validRange.
static void valid_range(long offset, long stride, long outputs, long inputs, int *first, int *last) {
    long begin = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    const long limit = inputs - offset;
    long end = limit <= 0 ? 0 : (limit + stride - 1) / stride;
    if (begin > outputs) begin = outputs;
    if (end > outputs) end = outputs;
    if (end < begin) end = begin;
    *first = (int)begin;
    *last = (int)end;
}

ATTRIBUTES static int depthwise(const qdqc_window2d *g, const float *input, const float *weights, const float *bias,
                                float *output, long channels) {
    const long kernelSize = g->kernelHeight * g->kernelWidth;
    const int gathered = g->strideW != 1;
    // Gathered planes: for each column tap, the input columns it reads (zeros on padding), as the
    // Swift loop lays them out, so the taps on padding add weight × 0 there too.
    float *scratch = gathered ? malloc(sizeof(float) * (size_t)(g->kernelWidth * g->height * g->outWidth + 1)) : NULL;
    tap *taps = malloc(sizeof(tap) * (size_t)(kernelSize + 1));
    int *firsts = malloc(sizeof(int) * (size_t)(g->kernelWidth + 1));
    int *lasts = malloc(sizeof(int) * (size_t)(g->kernelWidth + 1));
    if ((gathered && !scratch) || !taps || !firsts || !lasts) {
        free(scratch);
        free(taps);
        free(firsts);
        free(lasts);
        return 0;
    }
    for (long tapW = 0; tapW < g->kernelWidth; tapW++) {
        if (gathered) {
            firsts[tapW] = 0;
            lasts[tapW] = (int)g->outWidth;
        } else {
            valid_range(tapW * g->dilationW - g->padLeft, 1, g->outWidth, g->width, firsts + tapW, lasts + tapW);
        }
    }
    for (long channel = 0; channel < channels; channel++) {
        const float *plane = input + channel * g->height * g->width;
        float *target = output + channel * g->outHeight * g->outWidth;
        const float *filter = weights + channel * kernelSize;
        if (gathered) {
            for (long tapW = 0; tapW < g->kernelWidth; tapW++) {
                const long offset = tapW * g->dilationW - g->padLeft;
                for (long inRow = 0; inRow < g->height; inRow++) {
                    float *line = scratch + (tapW * g->height + inRow) * g->outWidth;
                    const float *source = plane + inRow * g->width;
                    for (long column = 0; column < g->outWidth; column++) {
                        const long position = column * g->strideW + offset;
                        line[column] = position >= 0 && position < g->width ? source[position] : 0;
                    }
                }
            }
        }
        for (long outRow = 0; outRow < g->outHeight; outRow++) {
            long count = 0;
            for (long tapH = 0; tapH < g->kernelHeight; tapH++) {
                const long inRow = outRow * g->strideH + tapH * g->dilationH - g->padTop;
                if (inRow < 0 || inRow >= g->height) continue;
                for (long tapW = 0; tapW < g->kernelWidth; tapW++) {
                    tap *t = taps + count++;
                    t->source = gathered ? scratch + (tapW * g->height + inRow) * g->outWidth
                                         : plane + inRow * g->width + (tapW * g->dilationW - g->padLeft);
                    t->weight = filter[tapH * g->kernelWidth + tapW];
                    t->first = firsts[tapW];
                    t->last = lasts[tapW];
                }
            }
            row(target + outRow * g->outWidth, g->outWidth, taps, count, bias ? bias[channel] : 0);
        }
    }
    free(scratch);
    free(taps);
    free(firsts);
    free(lasts);
    return 1;
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

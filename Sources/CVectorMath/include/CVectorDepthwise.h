#ifndef CVECTORDEPTHWISE_H
#define CVECTORDEPTHWISE_H

/// A 2-D sliding window resolved against its input: sizes, kernel, strides, dilations and the
/// padding before each axis (the padding after follows from the output size).
typedef struct {
    long height, width, outHeight, outWidth;
    long kernelHeight, kernelWidth;
    long strideH, strideW, dilationH, dilationW;
    long padTop, padLeft;
} qdqc_window2d;

/// Depthwise 2-D convolution of `channels` planes, one filter per plane (see Depthwise.c).
///
/// input is `[channels, height, width]`, weights `[channels, kernelHeight, kernelWidth]`, bias
/// `[channels]` or NULL, output `[channels, outHeight, outWidth]`. Each output is its bias (or 0)
/// plus weight × input for each tap inside the image, row tap by row tap, column tap by column
/// tap, each product rounded before the add: the interpreter's Swift loop, bit for bit (with a
/// column stride other than 1 the taps on padding add weight × 0 as that loop does). Returns 1
/// when done (x86-64 with AVX2), 0 when the caller must run its own loop.
int qdqc_depthwise_f32(const qdqc_window2d *window, const float *input, const float *weights, const float *bias,
                       float *output, long channels);

/// Max pooling rows: `line[c] = max(line[c], source[c * stride + tap])` for each tap in
/// `0..<taps`, tap by tap, for c in `0..<count`, where max(v, m) is `v > m ? v : m` (a NaN input
/// never wins). Returns 1 when done (x86-64 with AVX2, stride 1 or 2), 0 when the caller must run
/// its own loop. Reads source up to `source[(count - 1) * stride + taps - 1]` only.
int qdqc_max_taps_f32(const float *source, long stride, long taps, float *line, long count);

/// `target[i] = source[i * stride]` for i < count. Returns 1 when done (x86-64 with AVX2,
/// stride 2), 0 when the caller must run its own loop. Reads up to `source[(count - 1) * stride]`.
int qdqc_gather_f32(const float *source, long stride, float *target, long count);

/// `line[c * stride] += values[c]` for c < count. Returns 1 when done (x86-64 with AVX2, stride 2),
/// 0 when the caller must run its own loop. Touches `line` up to `line[(count - 1) * stride]` only,
/// writing the elements between the targets back unchanged.
int qdqc_scatter_add_f32(const float *values, long stride, float *line, long count);

/// sums[p] = ((0 + x[p][0]) + x[p][1]) + ... in double, each plane of `size` floats summed in index
/// order, for p < planes (x is `[planes, size]`). Returns 1 when done (x86-64 with AVX2, four planes
/// per register and sixteen at once, so the adds of one plane do not wait on each other's
/// neighbours), 0 when the caller must run its own loop.
int qdqc_plane_sums_f64(const float *x, long planes, long size, double *sums);

/// maxima[p] = the Swift loop `best = -inf; for v in plane where v > best || v is NaN: best = v` over
/// plane p of x (`[planes, size]`): the last NaN if there is one, else the maximum, of equal zeros
/// the first. Returns 1 when done (x86-64 with AVX2), 0 when the caller must run its own loop.
int qdqc_plane_max_f32(const float *x, long planes, long size, float *maxima);

#endif

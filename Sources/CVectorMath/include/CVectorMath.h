#ifndef CVECTORMATH_H
#define CVECTORMATH_H

#include "CVectorKernels.h"
#include "CVectorDepthwise.h"
#include "CVectorGemm.h"

/// y[i] = expf(x[i]) for i < count, with the C library's expf results bit for bit; x may equal y.
///
/// On x86-64 with AVX2 and FMA, eight elements at a time (see VectorExp.c); elsewhere a plain
/// loop over expf.
void qdqc_expf(const float *x, float *y, long count);

/// y[i] = a[i·sa] op b[i·sb] for i < count, op 0 add, 1 subtract, 2 multiply, 3 divide; strides 0 or
/// 1 (not both 0); y may equal a or b. Returns 1 when done (x86-64 with AVX2, eight lanes at a
/// time, each lane one IEEE operation), 0 when the caller must run its own loop.
int qdqc_binary_f32(int operation, const float *a, long sa, const float *b, long sb, float *y, long count);

#endif

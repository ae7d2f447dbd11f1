#ifndef CVECTORMATH_H
#define CVECTORMATH_H

/// y[i] = expf(x[i]) for i < count, with the C library's expf results bit for bit; x may equal y.
///
/// On x86-64 with AVX2 and FMA, eight elements at a time (see VectorExp.c); elsewhere a plain
/// loop over expf.
void qdqc_expf(const float *x, float *y, long count);

#endif

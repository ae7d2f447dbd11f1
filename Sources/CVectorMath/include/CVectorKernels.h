#ifndef CVECTORKERNELS_H
#define CVECTORKERNELS_H

/// 1 when the kernels below run vectorized (x86-64 with AVX2), 0 when each returns 0 untouched.
int qdqc_vector_kernels_available(void);

/// dst[r·dstStride + c] = src[c·srcStride + r] for r < rows, c < cols, elements of 4 bytes.
///
/// Eight by eight blocks through AVX registers (x86-64 with AVX2), columns outside and rows
/// inside, so each source row segment is read once and the destination lines of a strip of
/// `rows` stay in L1 until filled. Elements are moved, never computed: any bit pattern is kept.
/// Returns 1 when done, 0 when the caller must run its own loop.
int qdqc_transpose_32(const void *src, long srcStride, void *dst, long dstStride, long rows, long cols);

/// The same for elements of 8 bytes (four by four blocks).
int qdqc_transpose_64(const void *src, long srcStride, void *dst, long dstStride, long rows, long cols);

/// y[i] = FastTanh.evaluate(x[i]) (the interpreter's rational tanh) bit for bit, for i < count;
/// x may equal y. Returns 1 when done (x86-64 with AVX2), 0 when the caller must run its own loop.
int qdqc_fast_tanhf(const float *x, float *y, long count);

/// out[i] = a[i·sa] op b[i·sb] ? 1 : 0 for i < count: op 0 equal, 1 less, 2 greater, 3 less or
/// equal, 4 greater or equal; type 0 float32 (IEEE: NaN compares false), 1 int32, 2 int64; strides
/// 0 or 1, not both 0. Returns 1 when done (x86-64 with AVX2), 0 when the caller must run its own loop.
int qdqc_compare(int type, int operation, const void *a, long sa, const void *b, long sb, unsigned char *out,
                 long count);

/// Advances the zip CRC-32 register `*state` (the running value before the final inversion) over
/// the first bytes of `bytes`: the largest multiple of 16 of `count` when `count` >= 64 (x86-64
/// with PCLMUL), returning how many it took; 0 when the caller's table loop must do them all.
long qdqc_crc32_update(const void *bytes, long count, unsigned int *state);

/// qdqc_binary_f32 on `rows` rows: row r reads a + r·rowStepA and b + r·rowStepB (strides sa, sb as
/// there) and writes y + r·inner, `inner` elements. Returns 1 when done, 0 when nothing was done
/// and the caller must run its own loop (no AVX2, or both strides 0).
int qdqc_binary_rows_f32(int operation, const float *a, long rowStepA, long sa, const float *b, long rowStepB,
                         long sb, float *y, long rows, long inner);

/// y[i] = x[i] if NaN, else (x[i] < low ? low : x[i]) then (that > high ? high : that), Clip as the
/// Swift loop makes it, for i < count; x may equal y. Returns 1 when done (x86-64 with AVX2), 0 when
/// the caller must run its own loop.
int qdqc_clip_f32(const float *x, float *y, long count, float low, float high);

/// Elements `qdqc_erff` takes at a time (its branch-free pass and its packing of the far elements).
#define QDQC_ERF_CHUNK 512

/// y[i] = erff(x[i]) for i < count with glibc's (2.36, fdlibm) bits: both rational functions below 1.25
/// branch-free over chunks of QDQC_ERF_CHUNK, sixteen or eight lanes at a time where the CPU has AVX-512 or AVX2, and
/// erfc's branch (two expf) for the elements at or above it. x may equal y.
void qdqc_erff(const float *x, float *y, long count);

#endif

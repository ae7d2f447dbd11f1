#ifndef CVECTORGEMM_H
#define CVECTORGEMM_H

/// Columns per packed panel of B: `qdqc_sgemm` reads B as panels of k rows of this many floats.
#define QDQC_GEMM_PANEL 32

/// Floats that the panels of a `[k, n]` B take: ceil(n / 32) panels of k × 32 floats.
long qdqc_sgemm_packed_count(long k, long n);

/// Packs B (`[k, n]`, element (i, j) at b[i·ldb + j], or at b[j·ldb + i] when `transposed`) into
/// ceil(n / 32) panels of k rows × 32 floats, zero-padded past column n.
void qdqc_sgemm_pack(const float *b, long ldb, int transposed, long k, long n, float *packed);

/// c = alpha · a·b + beta · c for row-major float matrices: a `[m, k]` (element (r, i) at a[r·lda + i],
/// or a[i·lda + r] when `transposed_a`), b `[k, n]` as for `qdqc_sgemm_pack` or already packed
/// (`packed` non-null: the panels of exactly these n columns), c `[m, n]` at c[r·ldc + j]. An unpacked
/// row-major b is read in place on the AVX-512 path and packed a few panels at a time otherwise.
///
/// Every element is one chain of fused multiply-adds over i = 0, 1, ..., k−1 from +0, then
/// alpha · sum + beta · c (c not read when beta is 0): the same bits on every machine, with
/// AVX-512, AVX2 or the scalar loop, whatever m, n and however a caller splits the rows and the
/// columns (at multiples of 32). `path` picks the code: 0 the best the machine has, 1 the scalar
/// loop, 2 AVX2 at most (tests compare the paths bit for bit). Returns 1 when done, 0 when scratch
/// memory for a panel could not be had.
int qdqc_sgemm(long m, long n, long k, float alpha, const float *a, long lda, int transposed_a, const float *b,
               long ldb, int transposed_b, const float *packed, float beta, float *c, long ldc, int path);

#endif

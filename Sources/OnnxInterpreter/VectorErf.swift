import CVectorMath

/// glibc's `erff` over a buffer, with glibc's results bit for bit, in vector loops (`CVectorMath`'s `qdqc_erff`).
///
/// glibc (2.36 on this machine; the tests fail on a C library that differs) computes `erff` with
/// Sun's fdlibm algorithm in float arithmetic: a rational function of `x²` below |x| = 0.84375,
/// one of `|x| - 1` up to 1.25, two `expf` calls up to 6 and ±1 beyond. One call per element,
/// with branches on the range that mispredict on activations, was 8–16% of the transformers' run
/// time (Gelu and Erf). Here both rational functions below 1.25 (the same float operations, in
/// the same order) run over chunks of 512 in a branch-free loop, sixteen or eight lanes wide where
/// the CPU has them, and each element takes its own range's value; the elements at or above 1.25
/// are packed together and get erfc's rational function and the two `expf` (also glibc's results
/// bit for bit) in loops of their own. NaN and infinities go to glibc's `erff`. `VectorErfTests`
/// compares with `erff` over a dense grid; the exhaustive comparison (all 2^32 inputs, on each of
/// the AVX-512, AVX2 and plain paths) is recorded in docs/benchmarks.md.
enum VectorErf {
    /// Elements the C loop takes at a time (its branch-free pass and its packing of the far elements).
    static let chunk = Int(QDQC_ERF_CHUNK)

    /// `target[i] = erff(source[i])` for `i < count`; `source` may equal `target`.
    static func apply(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, count: Int) {
        qdqc_erff(source, target, count)
    }
}

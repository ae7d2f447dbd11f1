import CVectorMath

/// `expf` over a buffer, eight elements at a time where the CPU has AVX2 and FMA, with the C
/// library's results bit for bit (`CVectorMath`'s `qdqc_expf`; `VectorExpTests` checks it).
enum VectorExp {
    /// `target[i] = expf(source[i])` for `i < count`; `source` may equal `target`.
    @inline(__always)
    static func apply(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, count: Int) {
        qdqc_expf(source, target, count)
    }
}

import CVectorMath

/// Whether `CVectorMath`'s AVX2 kernels (transposes, tanh, conversions) run on this machine.
///
/// Each kernel also returns 0 without AVX2; asking once lets a caller choose its loop before
/// splitting work over the cores.
enum VectorKernels {
    /// True on x86-64 with AVX2 (checked once).
    static let available = qdqc_vector_kernels_available() != 0
}

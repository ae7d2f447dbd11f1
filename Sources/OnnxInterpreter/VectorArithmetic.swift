import CVectorMath

/// Float Add, Sub, Mul and Div runs eight lanes at a time where the CPU has AVX2
/// (`CVectorMath`'s `qdqc_binary_f32`): each lane is one IEEE operation, so the results are the
/// scalar loop's bits, and a run that writes over one of its inputs stays vectorized.
enum VectorArithmetic {
    /// `out[i] = op(a[i * strideA], b[i * strideB])` for `i` in `range` (strides 0 or 1, indices
    /// absolute as in `ElementwiseLoops.stridedRow`); false when the caller must run its own loop.
    @inline(__always)
    static func apply<T>(
        _ operation: ArithmeticKernels.Operation, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
        _ out: UnsafeMutablePointer<T>, _ range: Range<Int>, _ strideA: Int, _ strideB: Int
    ) -> Bool {
        guard T.self == Float.self, range.count >= 8, strideA == 1 || strideB == 1 else { return false }
        let code: Int32
        switch operation {
        case .add: code = 0
        case .subtract: code = 1
        case .multiply: code = 2
        case .divide: code = 3
        default: return false
        }
        let start = range.lowerBound
        let left = UnsafeRawPointer(a + strideA * start).assumingMemoryBound(to: Float.self)
        let right = UnsafeRawPointer(b + strideB * start).assumingMemoryBound(to: Float.self)
        let target = UnsafeMutableRawPointer(out + start).assumingMemoryBound(to: Float.self)
        return qdqc_binary_f32(code, left, strideA, right, strideB, target, range.count) != 0
    }
}

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
        guard T.self == Float.self, range.count >= 8, strideA == 1 || strideB == 1, let code = code(operation) else {
            return false
        }
        let start = range.lowerBound
        let left = UnsafeRawPointer(a + strideA * start).assumingMemoryBound(to: Float.self)
        let right = UnsafeRawPointer(b + strideB * start).assumingMemoryBound(to: Float.self)
        let target = UnsafeMutableRawPointer(out + start).assumingMemoryBound(to: Float.self)
        return qdqc_binary_f32(code, left, strideA, right, strideB, target, range.count) != 0
    }

    /// `apply` on each of the broadcast rows `rows` (input i's row r starts `steps.i * r` elements
    /// in, the output's `inner * r`), in one call into C; false when the caller must run its own loop.
    @inline(__always)
    static func applyRows<T>(
        _ operation: ArithmeticKernels.Operation, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
        _ out: UnsafeMutablePointer<T>, rows: Range<Int>, steps: (Int, Int), inner: Int, _ strideA: Int,
        _ strideB: Int
    ) -> Bool {
        guard T.self == Float.self, inner >= 8, strideA == 1 || strideB == 1, let code = code(operation) else {
            return false
        }
        let start = rows.lowerBound
        let left = UnsafeRawPointer(a + steps.0 * start).assumingMemoryBound(to: Float.self)
        let right = UnsafeRawPointer(b + steps.1 * start).assumingMemoryBound(to: Float.self)
        let target = UnsafeMutableRawPointer(out + inner * start).assumingMemoryBound(to: Float.self)
        return qdqc_binary_rows_f32(
            code, left, steps.0, strideA, right, steps.1, strideB, target, rows.count, inner) != 0
    }

    /// The C kernels' code for `operation`, or nil when they do not have it.
    @inline(__always)
    private static func code(_ operation: ArithmeticKernels.Operation) -> Int32? {
        switch operation {
        case .add: return 0
        case .subtract: return 1
        case .multiply: return 2
        case .divide: return 3
        default: return nil
        }
    }
}

import OnnxIR
import OnnxInterpreter

/// Compares arrays elementwise as numpy's `allclose` does: |a - b| <= atol + rtol * |b|.
enum Closeness {
    /// A description of the first mismatch, or nil when `actual` matches `expected`.
    static func mismatch(_ actual: NDArray, _ expected: NDArray, rtol: Double, atol: Double) throws -> String? {
        guard actual.shape == expected.shape else { return "shape \(actual.shape) != expected \(expected.shape)" }
        guard actual.dataType == expected.dataType else {
            return "element type \(actual.dataType) != expected \(expected.dataType)"
        }
        if actual.dataType == .bool || actual.dataType.isInteger {
            let left = try actual.int64Values()
            let right = try expected.int64Values()
            if let index = left.indices.first(where: { left[$0] != right[$0] }) {
                return "element \(index): \(left[index]) != expected \(right[index])"
            }
            return nil
        }
        let left = try actual.floatValues()
        let right = try expected.floatValues()
        var worst: (Int, Double) = (-1, 0)
        for index in 0..<left.count {
            let a = Double(left[index])
            let b = Double(right[index])
            if a.isNaN && b.isNaN { continue }
            if a == b { continue }
            let excess = Swift.abs(a - b) - (atol + rtol * Swift.abs(b))
            if excess > 0 || a.isNaN != b.isNaN, excess > worst.1 || worst.0 < 0 {
                worst = (index, excess.isNaN ? .infinity : excess)
            }
        }
        if worst.0 >= 0 {
            let index = worst.0
            return
                "element \(index) of \(left.count): \(left[index]) != expected \(right[index]) (rtol \(rtol), atol \(atol))"
        }
        return nil
    }
}

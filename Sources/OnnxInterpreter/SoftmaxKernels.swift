import Foundation
import OnnxIR

/// Softmax, LogSoftmax and Hardmax, with the axis rules of opset 13 (one axis) and of older
/// opsets (the tensor flattened to 2-D at the axis).
enum SoftmaxKernels {
    /// Which of the three.
    enum Kind {
        case softmax, logSoftmax, hardmax
    }

    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":Softmax"] = builder(.softmax)
        table[":LogSoftmax"] = builder(.logSoftmax)
        table[":Hardmax"] = builder(.hardmax)
    }

    private static func builder(_ kind: Kind) -> KernelBuilder {
        { context in
            let coerced = context.opsetVersion < 13
            let axis = try context.int("axis", default: coerced ? 1 : -1)
            return { call in
                let (x, owned) = try call.inputForReuse(0)
                return [try apply(kind, x, axis: axis, coerceTo2D: coerced, reuse: owned)]
            }
        }
    }

    /// Applies `kind` along `axis` (or, when `coerceTo2D`, over all axes from `axis` on).
    static func apply(_ kind: Kind, _ x: NDArray, axis requested: Int, coerceTo2D: Bool, reuse: Bool) throws -> NDArray
    {
        let axis = requested < 0 ? requested + x.rank : requested
        guard axis >= 0, axis < max(x.rank, 1) || (coerceTo2D && axis == x.rank) else {
            throw KernelError.invalid("axis \(requested) is out of range for rank \(x.rank)")
        }
        let outer = Shapes.product(x.shape, 0..<min(axis, x.rank))
        let length =
            coerceTo2D ? Shapes.product(x.shape, min(axis, x.rank)..<x.rank) : (x.rank == 0 ? 1 : x.shape[axis])
        let inner = coerceTo2D ? 1 : Shapes.product(x.shape, min(axis + 1, x.rank)..<x.rank)
        let narrow: DataType? = x.dataType == .float16 || x.dataType == .bfloat16 ? x.dataType : nil
        return try ConvKernels.inFloat([x]) { arrays in
            guard let input = arrays[0] else { throw KernelError.invalid("input is missing") }
            let output =
                reuse && input.buffer === x.buffer && !x.buffer.isShared
                ? input : try NDArray.uninitialized(.float, shape: input.shape)
            let source = input.pointer(Float.self)
            let target = output.pointer(Float.self)
            Parallel.forChunks(outer * inner, cost: length * 8) { range in
                var first = range.lowerBound
                if kind == .softmax, narrow == nil, inner == 1 {
                    first = fourRows(source, target, rows: range, length: length)
                }
                for slot in first..<range.upperBound {
                    let (row, column) = slot.quotientAndRemainder(dividingBy: inner)
                    let offset = row * length * inner + column
                    line(kind, source + offset, target + offset, length: length, stride: inner, narrow: narrow)
                }
            }
            return output
        }
    }

    /// Softmax over contiguous rows of float, four rows at a time; returns the first row left for `line`.
    ///
    /// The same operations in the same order as `line` for each row (the peak by a first-to-last scan,
    /// the sum of the exps first to last), so the same bits; a row's sum is a chain of dependent additions,
    /// and four rows' chains side by side keep the adder busy where one left it waiting (attention
    /// probabilities: rows of 128).
    private static func fourRows(
        _ source: UnsafeMutablePointer<Float>, _ target: UnsafeMutablePointer<Float>, rows: Range<Int>, length: Int
    ) -> Int {
        guard length > 0 else { return rows.lowerBound }
        var row = rows.lowerBound
        while row + 4 <= rows.upperBound {
            let (s0, s1, s2, s3) = (
                source + row * length, source + (row + 1) * length, source + (row + 2) * length,
                source + (row + 3) * length
            )
            let (t0, t1, t2, t3) = (
                target + row * length, target + (row + 1) * length, target + (row + 2) * length,
                target + (row + 3) * length
            )
            var (p0, p1, p2, p3) = (-Float.infinity, -Float.infinity, -Float.infinity, -Float.infinity)
            for index in 0..<length {
                if s0[index] > p0 { p0 = s0[index] }
                if s1[index] > p1 { p1 = s1[index] }
                if s2[index] > p2 { p2 = s2[index] }
                if s3[index] > p3 { p3 = s3[index] }
            }
            exponentiate(s0, t0, length: length, peak: p0)
            exponentiate(s1, t1, length: length, peak: p1)
            exponentiate(s2, t2, length: length, peak: p2)
            exponentiate(s3, t3, length: length, peak: p3)
            var (u0, u1, u2, u3): (Float, Float, Float, Float) = (0, 0, 0, 0)
            for index in 0..<length {
                u0 += t0[index]
                u1 += t1[index]
                u2 += t2[index]
                u3 += t3[index]
            }
            normalize(t0, length: length, total: u0)
            normalize(t1, length: length, total: u1)
            normalize(t2, length: length, total: u2)
            normalize(t3, length: length, total: u3)
            row += 4
        }
        return row
    }

    /// `target[i] = expf(source[i] - peak)` over a contiguous row (a peak of -∞, a row of -∞, shifts by 0).
    @inline(__always)
    private static func exponentiate(
        _ source: UnsafeMutablePointer<Float>, _ target: UnsafeMutablePointer<Float>, length: Int, peak: Float
    ) {
        let shift = peak == -.infinity ? 0 : peak
        for index in 0..<length { target[index] = source[index] - shift }
        VectorExp.apply(target, target, count: length)
    }

    /// `row[i] *= 1 / total` over a contiguous row: one reciprocal, then a product per element.
    @inline(__always)
    private static func normalize(_ row: UnsafeMutablePointer<Float>, length: Int, total: Float) {
        let inverse = 1 / total
        for index in 0..<length { row[index] *= inverse }
    }

    @inline(__always)
    private static func line(
        _ kind: Kind, _ source: UnsafeMutablePointer<Float>, _ target: UnsafeMutablePointer<Float>, length: Int,
        stride: Int, narrow: DataType?
    ) {
        // In float16 and bfloat16 every intermediate is rounded to that type, as computing in it does
        // (ONNX's reference); float16 sums are accumulated in float32 first, as numpy does.
        @inline(__always) func rounded(_ value: Float) -> Float {
            switch narrow {
            case .some(.float16): return Float(Float16(value))
            case .some(.bfloat16): return HalfFloat.float(fromBFloat16: HalfFloat.bfloat16(from: value))
            default: return value
            }
        }
        let half = narrow != nil
        let perAddition = narrow == .bfloat16
        guard length > 0 else { return }
        var peak = -Float.infinity
        var peakIndex = 0
        for index in 0..<length where source[index * stride] > peak {
            peak = source[index * stride]
            peakIndex = index
        }
        switch kind {
        case .hardmax:
            for index in 0..<length { target[index * stride] = index == peakIndex ? 1 : 0 }
        case .softmax:
            if peak == -.infinity { peak = 0 }
            var total: Float = 0
            if !half && stride == 1 {
                // The same exp(x - peak) and the same running sum, with the exps vectorized.
                exponentiate(source, target, length: length, peak: peak)
                for index in 0..<length { total += target[index] }
                normalize(target, length: length, total: total)
                return
            }
            for index in 0..<length {
                let value = rounded(Foundation.exp(rounded(source[index * stride] - peak)))
                target[index * stride] = value
                total = perAddition ? rounded(total + value) : total + value
            }
            if half {
                total = rounded(total)
                for index in 0..<length { target[index * stride] = rounded(target[index * stride] / total) }
            } else {
                let inverse = 1 / total
                for index in 0..<length { target[index * stride] *= inverse }
            }
        case .logSoftmax:
            if peak == -.infinity { peak = 0 }
            var total: Float = 0
            for index in 0..<length { total += Foundation.exp(source[index * stride] - peak) }
            let logTotal = Foundation.log(total) + peak
            for index in 0..<length { target[index * stride] = source[index * stride] - logTotal }
        }
    }
}

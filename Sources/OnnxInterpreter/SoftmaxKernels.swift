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
                for slot in range {
                    let (row, column) = slot.quotientAndRemainder(dividingBy: inner)
                    let offset = row * length * inner + column
                    line(kind, source + offset, target + offset, length: length, stride: inner, narrow: narrow)
                }
            }
            return output
        }
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
                for index in 0..<length { target[index] = source[index] - peak }
                VectorExp.apply(target, target, count: length)
                for index in 0..<length { total += target[index] }
                let inverse = 1 / total
                for index in 0..<length { target[index] *= inverse }
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

import OnnxIR

/// MatMulInteger, ConvInteger, QLinearMatMul and QLinearConv: integer products computed
/// exactly (in double precision, which holds every int32 sum these produce) and requantized
/// with ONNX's rounding (half to even) and saturation.
enum IntegerArithmeticKernels {
    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":MatMulInteger"] = { _ in
            { call in
                let product = try integerMatMul(
                    call.input(0), call.input(1), aZero: call.optionalInput(2), bZero: call.optionalInput(3))
                return [try ElementConversion.convert(product, to: .int32)]
            }
        }
        table[":QLinearMatMul"] = { _ in
            { call in
                let product = try integerMatMul(
                    call.input(0), call.input(3), aZero: call.optionalInput(2), bZero: call.optionalInput(5))
                let multiplier = try scaleRatio(call.input(1), call.input(4), call.input(6))
                return [
                    try requantize(
                        product, multiplier: multiplier, zeroPoint: call.optionalInput(7), like: call.input(0))
                ]
            }
        }
        table[":ConvInteger"] = { context in
            let window = try WindowAttributes(context)
            let group = try context.int("group", default: 1)
            return { call in
                let result = try integerConv(
                    call.input(0), call.input(1), xZero: call.optionalInput(2), wZero: call.optionalInput(3), bias: nil,
                    window: window, group: group)
                return [try ElementConversion.convert(result, to: .int32)]
            }
        }
        table[":QLinearConv"] = { context in
            let window = try WindowAttributes(context)
            let group = try context.int("group", default: 1)
            return { call in
                let w = try call.input(3)
                let result = try integerConv(
                    call.input(0), w, xZero: call.optionalInput(2), wZero: call.optionalInput(5),
                    bias: call.optionalInput(8), window: window, group: group)
                var multiplier = try scaleRatio(call.input(1), call.input(4), call.input(6))
                if multiplier.count > 1 {
                    multiplier = multiplier.reshaped([multiplier.count] + [Int](repeating: 1, count: result.rank - 2))
                }
                return [
                    try requantize(
                        result, multiplier: multiplier, zeroPoint: call.optionalInput(7), like: call.input(0))
                ]
            }
        }
    }

    /// `(a - aZero) × (b - bZero)` as doubles (numpy matmul rules); zero points may be per row of A or per column of B.
    static func integerMatMul(_ a: NDArray, _ b: NDArray, aZero: NDArray?, bZero: NDArray?) throws -> NDArray {
        var left = try ElementConversion.convert(a, to: .double)
        var right = try ElementConversion.convert(b, to: .double)
        if let aZero {
            let zero = try ElementConversion.convert(aZero, to: .double)
            let shaped = zero.count > 1 && a.rank >= 2 ? zero.reshaped([zero.count, 1]) : zero
            left = try ArithmeticKernels.apply(.subtract, left, shaped, reuseA: true)
        }
        if let bZero {
            right = try ArithmeticKernels.apply(
                .subtract, right, ElementConversion.convert(bZero, to: .double), reuseA: true)
        }
        return try LinearAlgebraKernels.matmul(left, right)
    }

    /// `aScale * bScale / yScale` in float32, as the reference computes it.
    private static func scaleRatio(_ aScale: NDArray, _ bScale: NDArray, _ yScale: NDArray) throws -> NDArray {
        let product = try ArithmeticKernels.apply(
            .multiply, ElementConversion.convert(aScale, to: .float), ElementConversion.convert(bScale, to: .float),
            reuseA: false)
        let ratio = try ArithmeticKernels.apply(
            .divide, product, ElementConversion.convert(yScale, to: .float), reuseA: true)
        return try ElementConversion.convert(ratio, to: .double)
    }

    /// `saturate(round(values * multiplier + zeroPoint))` in the zero point's type (else `like`'s type).
    private static func requantize(_ values: NDArray, multiplier: NDArray, zeroPoint: NDArray?, like: NDArray) throws
        -> NDArray
    {
        let type = zeroPoint?.dataType ?? like.dataType
        guard let (low, high) = QuantizationKernels.integerRange(type) else {
            throw KernelError.unsupportedType("\(type) (8- or 16-bit integers are needed)")
        }
        var scaled = try ArithmeticKernels.apply(.multiply, values, multiplier, reuseA: true)
        if let zeroPoint {
            scaled = try ArithmeticKernels.apply(
                .add, scaled, ElementConversion.convert(zeroPoint, to: .double), reuseA: true)
        }
        let doubles = try scaled.elements(as: Double.self)
        let integers = doubles.map { value -> Int64 in
            let rounded = value.rounded(.toNearestOrEven)
            if rounded.isNaN { return low }
            return Int64(min(max(rounded, Double(low)), Double(high)))
        }
        return try ElementConversion.convert(NDArray(int64s: integers, shape: values.shape), to: type)
    }

    /// An exact integer convolution: `(x - xZero) * (w - wZero) + bias`, as doubles.
    static func integerConv(
        _ x: NDArray, _ w: NDArray, xZero: NDArray?, wZero: NDArray?, bias: NDArray?, window: WindowAttributes,
        group: Int
    ) throws -> NDArray {
        guard x.rank >= 3, w.rank == x.rank else {
            throw KernelError.invalid("X \(x.shape) and W \(w.shape) must have the same rank, at least 3")
        }
        var input = try ElementConversion.convert(x, to: .float)
        if let xZero {
            input = try ArithmeticKernels.apply(
                .subtract, input, ElementConversion.convert(xZero, to: .float), reuseA: true)
        }
        var weights = try ElementConversion.convert(w, to: .double)
        if let wZero {
            var zero = try ElementConversion.convert(wZero, to: .double)
            if zero.count > 1 { zero = zero.reshaped([zero.count] + [Int](repeating: 1, count: w.rank - 1)) }
            weights = try ArithmeticKernels.apply(.subtract, weights, zero, reuseA: true)
        }
        let (batch, channels) = (x.shape[0], x.shape[1])
        let (filters, groupChannels) = (w.shape[0], w.shape[1])
        guard group > 0, channels == groupChannels * group, filters % group == 0 else {
            throw KernelError.invalid("X \(x.shape) and W \(w.shape) do not fit group \(group)")
        }
        let geometry = try window.geometry(input: Array(x.shape[2...]), kernel: Array(w.shape[2...]))
        let rows = groupChannels * geometry.kernelSize
        let groupFilters = filters / group
        let outputSize = geometry.outputSize
        let columns = try NDArray.uninitialized(.float, shape: [rows, outputSize])
        let output = try NDArray.uninitialized(.double, shape: [batch, filters] + geometry.output)
        for image in 0..<batch {
            for groupIndex in 0..<group {
                ConvKernels.im2col(
                    input.pointer(Float.self) + (image * channels + groupIndex * groupChannels) * geometry.inputSize,
                    channels: groupChannels, geometry: geometry, into: columns.pointer(Float.self))
                let doubles = try ElementConversion.convert(columns, to: .double)
                try Blas.dgemm(
                    transposeA: false, transposeB: false, m: groupFilters, n: outputSize, k: rows, alpha: 1,
                    a: weights.pointer(Double.self) + groupIndex * groupFilters * rows, lda: rows,
                    b: doubles.pointer(Double.self), ldb: outputSize, beta: 0,
                    c: output.pointer(Double.self) + (image * filters + groupIndex * groupFilters) * outputSize,
                    ldc: outputSize)
            }
        }
        if let bias {
            let values = try ElementConversion.convert(bias, to: .double).elements(as: Double.self)
            guard values.count == filters else {
                throw KernelError.invalid("B has \(values.count) values for \(filters) filters")
            }
            let target = output.pointer(Double.self)
            for plane in 0..<(batch * filters) {
                for index in 0..<outputSize { target[plane * outputSize + index] += values[plane % filters] }
            }
        }
        return output
    }
}

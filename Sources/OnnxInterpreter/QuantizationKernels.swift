import Foundation
import OnnxIR

/// QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear in every opset form: per-tensor,
/// per-axis and blocked scales; 8-, 16-, 4- and 2-bit integers and the float8/float4 types;
/// round half to even and saturation exactly as ONNX's reference implementation does them.
enum QuantizationKernels {
    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":QuantizeLinear"] = { context in
            let axis = context.opsetVersion >= 13 ? try context.int("axis", default: 1) : 1
            let saturate = try context.int("saturate", default: 1) != 0
            let blockSize = try context.int("block_size", default: 0)
            let outputType = try context.optionalInt("output_dtype").flatMap {
                $0 == 0 ? nil : DataType(rawValue: Int32($0))
            }
            let precision = try context.optionalInt("precision").flatMap {
                $0 == 0 ? nil : DataType(rawValue: Int32($0))
            }
            return { call in
                [
                    try quantize(
                        call.input(0), scale: call.input(1), zeroPoint: call.optionalInput(2), axis: axis,
                        blockSize: blockSize, saturate: saturate, outputType: outputType, precision: precision)
                ]
            }
        }
        table[":DequantizeLinear"] = { context in
            let axis = context.opsetVersion >= 13 ? try context.int("axis", default: 1) : 1
            let blockSize = try context.int("block_size", default: 0)
            let outputType = try context.optionalInt("output_dtype").flatMap {
                $0 == 0 ? nil : DataType(rawValue: Int32($0))
            }
            return { call in
                [
                    try dequantize(
                        call.input(0), scale: call.input(1), zeroPoint: call.optionalInput(2), axis: axis,
                        blockSize: blockSize, outputType: outputType)
                ]
            }
        }
        table[":DynamicQuantizeLinear"] = { _ in { call in try dynamicQuantize(call.input(0)) } }
    }

    /// Integer ranges of the integer quantized types.
    static func integerRange(_ type: DataType) -> (Int64, Int64)? {
        switch type {
        case .uint8: return (0, 255)
        case .int8: return (-128, 127)
        case .uint16: return (0, 65535)
        case .int16: return (-32768, 32767)
        case .uint4: return (0, 15)
        case .int4: return (-8, 7)
        case .uint2: return (0, 3)
        case .int2: return (-2, 1)
        default: return nil
        }
    }

    /// For each element of `x`, the index of its scale (and zero point).
    struct ScaleLayout {
        let outer: Int
        let length: Int
        let inner: Int
        let blockSize: Int
        let mode: Mode

        enum Mode {
            case perTensor, perAxis, blocked
        }

        init(x: NDArray, scale: NDArray, axis requested: Int, blockSize: Int) throws {
            if scale.count == 1 && (scale.rank <= 1 || blockSize == 0) {
                (outer, length, inner, self.blockSize, mode) = (1, x.count, 1, 1, .perTensor)
                return
            }
            let axis = try Shapes.normalizeAxis(requested, rank: x.rank)
            outer = Shapes.product(x.shape, 0..<axis)
            length = x.shape[axis]
            inner = Shapes.product(x.shape, (axis + 1)..<x.rank)
            if blockSize > 0 {
                var expected = x.shape
                expected[axis] = (x.shape[axis] + blockSize - 1) / blockSize
                guard scale.shape == expected else {
                    throw KernelError.invalid("blocked scale shape \(scale.shape) should be \(expected)")
                }
                self.blockSize = blockSize
                mode = .blocked
            } else {
                guard scale.rank == 1, scale.count == length else {
                    throw KernelError.invalid(
                        "per-axis scale shape \(scale.shape) should be [\(length)] (axis \(axis))")
                }
                self.blockSize = 1
                mode = .perAxis
            }
        }

        /// Scale index of the element at flat position `index`.
        @inline(__always)
        func scaleIndex(_ index: Int) -> Int {
            switch mode {
            case .perTensor: return 0
            case .perAxis: return (index / inner) % length
            case .blocked:
                let column = index % inner
                let position = (index / inner) % length
                let row = index / (inner * length)
                let blocks = (length + blockSize - 1) / blockSize
                return (row * blocks + position / blockSize) * inner + column
            }
        }
    }

    /// QuantizeLinear.
    static func quantize(
        _ x: NDArray, scale: NDArray, zeroPoint: NDArray?, axis: Int, blockSize: Int, saturate: Bool,
        outputType: DataType?, precision: DataType?
    ) throws -> NDArray {
        if let zeroPoint, let outputType, zeroPoint.dataType != outputType {
            throw KernelError.invalid(
                "output_dtype \(outputType) differs from the zero point's type \(zeroPoint.dataType)")
        }
        let target = zeroPoint?.dataType ?? outputType ?? .uint8
        let layout = try ScaleLayout(x: x, scale: scale, axis: axis, blockSize: blockSize)
        if let zeroPoint, zeroPoint.shape != scale.shape && !(zeroPoint.count == 1 && scale.count == 1) {
            throw KernelError.invalid("zero point shape \(zeroPoint.shape) differs from scale shape \(scale.shape)")
        }
        // E8M0 scales are powers of two: the division is exact in float32.
        let divisionType = precision ?? (scale.dataType == .float8e8m0 ? .float : scale.dataType)
        if x.dataType == .float, divisionType == .float, layout.mode != .blocked,
            let fast = try FastQuantization.quantize(
                x, scale: scale, zeroPoint: zeroPoint, target: target, layout: layout)
        {
            return fast
        }
        guard [.float, .float16, .bfloat16, .double].contains(divisionType) else {
            throw KernelError.unsupportedType("scale of type \(scale.dataType)")
        }
        let xs = try ElementConversion.convert(x, to: .float).elements(as: Float.self)
        let scales = try ElementConversion.convert(scale, to: .float).elements(as: Float.self)
        let count = x.count
        var quotients = [Float](repeating: 0, count: count)
        for index in 0..<count {
            let quotient = xs[index] / scales[layout.scaleIndex(index)]
            switch divisionType {
            case .float16: quotients[index] = Float(Float16(quotient))
            case .bfloat16: quotients[index] = HalfFloat.float(fromBFloat16: HalfFloat.bfloat16(from: quotient))
            case .double: quotients[index] = Float(Double(xs[index]) / Double(scales[layout.scaleIndex(index)]))
            default: quotients[index] = quotient
            }
        }
        if let (low, high) = integerRange(target) {
            let zeros = try zeroPoint.map { try ElementConversion.convert($0, to: .int64).elements(as: Int64.self) }
            var values = [Int64](repeating: 0, count: count)
            for index in 0..<count {
                let rounded = quotients[index].rounded(.toNearestOrEven)
                var value: Int64
                if rounded.isNaN {
                    value = Int64(Int32.min)
                } else {
                    value = Int64(max(min(rounded, 0x1p40), -0x1p40))
                }
                if let zeros { value += zeros[layout.scaleIndex(index)] }
                values[index] = min(max(value, low), high)
            }
            return try ElementConversion.convert(NDArray(int64s: values, shape: x.shape), to: target)
        }
        switch target {
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz:
            return try ElementConversion.convert(
                NDArray(floats: quotients, shape: x.shape), to: target, saturate: saturate)
        case .float4e2m1:
            if let zeroPoint {
                let zeros = try ElementConversion.convert(zeroPoint, to: .float).elements(as: Float.self)
                for index in 0..<count { quotients[index] += zeros[layout.scaleIndex(index)] }
            }
            return try ElementConversion.convert(NDArray(floats: quotients, shape: x.shape), to: target)
        default:
            throw KernelError.unsupportedType("quantization to \(target)")
        }
    }

    /// DequantizeLinear.
    static func dequantize(
        _ x: NDArray, scale: NDArray, zeroPoint: NDArray?, axis: Int, blockSize: Int, outputType: DataType?
    ) throws -> NDArray {
        let layout = try ScaleLayout(x: x, scale: scale, axis: axis, blockSize: blockSize)
        let isFloat8 = [.float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz].contains(x.dataType)
        let usesZeroPoint = zeroPoint != nil && !isFloat8 && x.dataType != .float4e2m1
        if let zeroPoint, usesZeroPoint {
            guard zeroPoint.dataType == x.dataType else {
                throw KernelError.invalid("zero point type \(zeroPoint.dataType) differs from input type \(x.dataType)")
            }
            guard zeroPoint.shape == scale.shape || (zeroPoint.count == 1 && scale.count == 1) else {
                throw KernelError.invalid("zero point shape \(zeroPoint.shape) differs from scale shape \(scale.shape)")
            }
        }
        guard [.float, .float16, .bfloat16, .float8e8m0].contains(scale.dataType) else {
            throw KernelError.unsupportedType("scale of type \(scale.dataType)")
        }
        if scale.dataType == .float8e8m0, outputType == nil {
            throw KernelError.invalid("a float8e8m0 scale needs output_dtype (float, float16 or bfloat16)")
        }
        if scale.dataType == .float, (outputType ?? .float) == .float, layout.mode != .blocked,
            let fast = try FastQuantization.dequantize(
                x, scale: scale, zeroPoint: usesZeroPoint ? zeroPoint : nil, layout: layout)
        {
            return fast
        }
        let values = try ElementConversion.convert(x, to: .float).elements(as: Float.self)
        let scales = try ElementConversion.convert(scale, to: .float).elements(as: Float.self)
        let zeros =
            try usesZeroPoint
            ? zeroPoint.map { try ElementConversion.convert($0, to: .float).elements(as: Float.self) } : nil
        let output = try NDArray.uninitialized(.float, shape: x.shape)
        let target = output.pointer(Float.self)
        for index in 0..<x.count {
            let slot = layout.scaleIndex(index)
            let centered = zeros.map { values[index] - $0[slot] } ?? values[index]
            target[index] = centered * scales[slot]
        }
        let type = outputType ?? scale.dataType
        return try ElementConversion.convert(output, to: type)
    }

    /// DynamicQuantizeLinear: uint8 with the scale and zero point that map [min(0, x), max(0, x)] onto [0, 255].
    static func dynamicQuantize(_ x: NDArray) throws -> [NDArray?] {
        guard x.dataType == .float else { throw KernelError.unsupportedType("\(x.dataType) (float is needed)") }
        let values = try x.elements(as: Float.self)
        let low = min(values.min() ?? 0, 0)
        let high = max(values.max() ?? 0, 0)
        let scale = (high - low) / 255
        let zero = scale == 0 ? 0 : min(max((0 - low / scale).rounded(.toNearestOrEven), 0), 255)
        let scaleArray = try NDArray(floats: [scale], shape: [])
        let zeroArray = try NDArray([UInt8(zero)], dataType: .uint8, shape: [])
        let quantized = try quantize(
            x, scale: scale == 0 ? NDArray(floats: [1], shape: []) : scaleArray, zeroPoint: zeroArray, axis: 1,
            blockSize: 0, saturate: true, outputType: nil, precision: nil)
        return [quantized, scaleArray, zeroArray]
    }
}

import OnnxIR

/// Converts arrays between element types with ONNX's Cast rules (see `NumericElement.converted`).
///
/// Native numeric types and bool convert directly; the formats Swift has no type for
/// (bfloat16, float8, float4, float8e8m0, the packed 4- and 2-bit integers) go through
/// float32 or int8/uint8 on the way in or out.
enum ElementConversion {
    /// `array` with its elements cast to `target`; `saturate` and `rounding` apply to float8 targets.
    static func convert(
        _ array: NDArray, to target: DataType, saturate: Bool = true, rounding: FloatBits.E8M0Rounding = .up
    ) throws -> NDArray {
        if array.dataType == target { return array }
        let source = try widenedSource(array)
        if source.dataType == target { return source }
        switch target {
        case .bfloat16, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float4e2m1, .float8e8m0:
            let floats = try convertNative(source, to: .float)
            return try encodeFloat(floats, to: target, saturate: saturate, rounding: rounding)
        case .int4, .int2, .uint4, .uint2:
            return try pack(narrowForPacking(source, to: target), as: target)
        default:
            return try convertNative(source, to: target)
        }
    }

    /// The array itself if Swift has a type for its elements, else decoded to float32, int8 or uint8.
    private static func widenedSource(_ array: NDArray) throws -> NDArray {
        let count = array.count
        switch array.dataType {
        case .bfloat16:
            let output = try NDArray.uninitialized(.float, shape: array.shape)
            ElementwiseLoops.map(array.pointer(UInt16.self), output.pointer(Float.self), count: count) {
                HalfFloat.float(fromBFloat16: $0)
            }
            return output
        case .float8e8m0:
            let output = try NDArray.uninitialized(.float, shape: array.shape)
            ElementwiseLoops.map(array.pointer(UInt8.self), output.pointer(Float.self), count: count) {
                FloatBits.e8m0ToFloat($0)
            }
            return output
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz:
            guard let format = MiniFloat.format(of: array.dataType) else { break }
            let output = try NDArray.uninitialized(.float, shape: array.shape)
            ElementwiseLoops.map(array.pointer(UInt8.self), output.pointer(Float.self), count: count) {
                format.decode($0)
            }
            return output
        case .float4e2m1:
            let codes = try unpack(array)
            let output = try NDArray.uninitialized(.float, shape: array.shape)
            ElementwiseLoops.map(codes.pointer(UInt8.self), output.pointer(Float.self), count: count) {
                MiniFloat.e2m1.decode($0)
            }
            return output
        case .int4, .uint4, .int2, .uint2:
            return try unpack(array)
        default:
            break
        }
        return array
    }

    /// Unpacks 4- or 2-bit elements into one byte each: int8 for the signed types, uint8 otherwise.
    static func unpack(_ array: NDArray) throws -> NDArray {
        let bits = array.dataType.bitWidth ?? 8
        let signed = array.dataType == .int4 || array.dataType == .int2
        let output = try NDArray.uninitialized(signed ? .int8 : .uint8, shape: array.shape)
        let source = array.pointer(UInt8.self)
        let target = output.pointer(UInt8.self)
        let perByte = 8 / bits
        let mask = UInt8((1 << bits) - 1)
        for index in 0..<array.count {
            var value = (source[index / perByte] >> UInt8((index % perByte) * bits)) & mask
            if signed && value & (1 << UInt8(bits - 1)) != 0 { value |= ~mask }
            target[index] = value
        }
        return output
    }

    /// `source` as int8 (signed targets) or uint8 elements ready for `pack`.
    ///
    /// Integer sources keep their low bits, as ONNX's Cast specifies for fixed point out of
    /// range. For floating-point sources ONNX leaves out-of-range values undefined; they
    /// saturate to the target's range (NaN to 0), as ONNX Runtime's kernel and
    /// QuantizeLinear do, instead of wrapping through a wider integer.
    private static func narrowForPacking(_ source: NDArray, to target: DataType) throws -> NDArray {
        let signed = target == .int4 || target == .int2
        let byteType: DataType = signed ? .int8 : .uint8
        guard source.dataType.isFloatingPoint else { return try convertNative(source, to: byteType) }
        let bits = target.bitWidth ?? 8
        let upper = Float(signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1)
        let lower = signed ? -upper - 1 : 0
        let floats = try convertNative(source, to: .float)
        let clamped = try NDArray.uninitialized(.float, shape: source.shape)
        ElementwiseLoops.map(floats.pointer(Float.self), clamped.pointer(Float.self), count: source.count) {
            $0.isNaN ? 0 : min(max($0, lower), upper)
        }
        return try convertNative(clamped, to: byteType)
    }

    /// Packs int8/uint8 elements (keeping their low bits) into a 4- or 2-bit type.
    static func pack(_ array: NDArray, as type: DataType) throws -> NDArray {
        let bits = type.bitWidth ?? 8
        let output = try NDArray(zerosOf: type, shape: array.shape)
        let source = array.pointer(UInt8.self)
        let target = output.pointer(UInt8.self)
        let perByte = 8 / bits
        let mask = UInt8((1 << bits) - 1)
        for index in 0..<array.count {
            target[index / perByte] |= (source[index] & mask) << UInt8((index % perByte) * bits)
        }
        return output
    }

    private static func encodeFloat(
        _ floats: NDArray, to target: DataType, saturate: Bool, rounding: FloatBits.E8M0Rounding
    ) throws -> NDArray {
        let source = floats.pointer(Float.self)
        let count = floats.count
        switch target {
        case .bfloat16:
            let output = try NDArray.uninitialized(.bfloat16, shape: floats.shape)
            ElementwiseLoops.map(source, output.pointer(UInt16.self), count: count) { HalfFloat.bfloat16(from: $0) }
            return output
        case .float8e8m0:
            let output = try NDArray.uninitialized(.float8e8m0, shape: floats.shape)
            ElementwiseLoops.map(source, output.pointer(UInt8.self), count: count) {
                FloatBits.floatToE8M0($0, saturate: saturate, rounding: rounding)
            }
            return output
        case .float4e2m1:
            let codes = try NDArray.uninitialized(.uint8, shape: floats.shape)
            ElementwiseLoops.map(source, codes.pointer(UInt8.self), count: count) {
                MiniFloat.e2m1.encode($0, saturate: saturate)
            }
            return try pack(codes, as: .float4e2m1)
        default:
            guard let format = MiniFloat.format(of: target) else { throw KernelError.unsupportedType("\(target)") }
            let output = try NDArray.uninitialized(target, shape: floats.shape)
            ElementwiseLoops.map(source, output.pointer(UInt8.self), count: count, cost: 8) {
                format.encode($0, saturate: saturate)
            }
            return output
        }
    }

    /// Converts between native numeric types and bool.
    ///
    /// The visitors split the work first and run `mapRange` with a literal closure in each chunk:
    /// through `ElementwiseLoops.map` the conversion was an indirect call per element (a one-hot
    /// bool-to-float Cast took longer than the MatMul it feeds).
    private static func convertNative(_ array: NDArray, to target: DataType) throws -> NDArray {
        if array.dataType == target { return array }
        let output = try NDArray.uninitialized(target, shape: array.shape)
        if array.dataType == .bool {
            try TypeDispatch.numeric(target, FromBool(source: array, output: output))
        } else if target == .bool {
            try TypeDispatch.numeric(array.dataType, ToBool(source: array, output: output))
        } else {
            try TypeDispatch.numeric(array.dataType, SourceVisitor(source: array, output: output))
        }
        return output
    }

    private struct SourceVisitor: NumericVisitor {
        let source: NDArray
        let output: NDArray
        func visit<T: NumericElement>(_ type: T.Type) throws {
            try TypeDispatch.numeric(output.dataType, TargetVisitor<T>(source: source, output: output))
        }
    }

    private struct TargetVisitor<T: NumericElement>: NumericVisitor {
        let source: NDArray
        let output: NDArray
        func visit<U: NumericElement>(_ type: U.Type) throws {
            let from = UnsafePointer(source.pointer(T.self))
            let to = output.pointer(U.self)
            Parallel.forChunks(source.count) { range in
                ElementwiseLoops.mapRange(from, to, range) { $0.converted(to: U.self) }
            }
        }
    }

    private struct FromBool: NumericVisitor {
        let source: NDArray
        let output: NDArray
        func visit<U: NumericElement>(_ type: U.Type) throws {
            let from = UnsafePointer(source.pointer(UInt8.self))
            let to = output.pointer(U.self)
            let (zero, one) = (U.zeroValue, U.oneValue)
            Parallel.forChunks(source.count) { range in
                ElementwiseLoops.mapRange(from, to, range) { $0 == 0 ? zero : one }
            }
        }
    }

    private struct ToBool: NumericVisitor {
        let source: NDArray
        let output: NDArray
        func visit<T: NumericElement>(_ type: T.Type) throws {
            let from = UnsafePointer(source.pointer(T.self))
            let to = output.pointer(UInt8.self)
            Parallel.forChunks(source.count) { range in
                ElementwiseLoops.mapRange(from, to, range) { $0.isZeroValue ? 0 : 1 }
            }
        }
    }
}

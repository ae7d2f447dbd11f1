import OnnxIR

/// An element type that QuantizeLinear can produce and DequantizeLinear can consume.
///
/// The raw value is the type's name in ONNX's textual syntax, so it doubles as the command-line spelling.
public enum QuantFormat: String, CaseIterable, Hashable, Sendable {
    /// Signed 8-bit integer.
    case int8
    /// Unsigned 8-bit integer.
    case uint8
    /// Signed 16-bit integer (opset 21).
    case int16
    /// Unsigned 16-bit integer (opset 21).
    case uint16
    /// Signed 4-bit integer, two per byte (opset 21).
    case int4
    /// Unsigned 4-bit integer, two per byte (opset 21).
    case uint4
    /// 8-bit float E4M3, finite only (max 448), opset 19.
    case float8e4m3fn
    /// 8-bit float E5M2 with infinities (max 57344), opset 19.
    case float8e5m2
    /// Signed 2-bit integer, four per byte (opset 25).
    case int2
    /// Unsigned 2-bit integer, four per byte (opset 25).
    case uint2
    /// 4-bit float E2M1 (FP4, max 6, no infinity or NaN), two per byte (opset 23).
    case float4e2m1

    /// The formats of QuantizeLinear/DequantizeLinear pairs (insert-qdq, calibration, per-tensor configs):
    /// every case but the weight-only element types int2, uint2 and float4e2m1 (see `WeightFormat`).
    public static let qdqFormats: [QuantFormat] = allCases.filter { ![.int2, .uint2, .float4e2m1].contains($0) }

    /// The ONNX element type.
    public var dataType: DataType {
        switch self {
        case .int8: return .int8
        case .uint8: return .uint8
        case .int16: return .int16
        case .uint16: return .uint16
        case .int4: return .int4
        case .uint4: return .uint4
        case .float8e4m3fn: return .float8e4m3fn
        case .float8e5m2: return .float8e5m2
        case .int2: return .int2
        case .uint2: return .uint2
        case .float4e2m1: return .float4e2m1
        }
    }

    /// The format whose ONNX element type is `dataType`, if it is one of ours.
    public init?(dataType: DataType) {
        guard let format = Self.allCases.first(where: { $0.dataType == dataType }) else { return nil }
        self = format
    }

    /// Bits per element.
    public var bitWidth: Int {
        switch self {
        case .int2, .uint2: return 2
        case .int4, .uint4, .float4e2m1: return 4
        case .int16, .uint16: return 16
        case .int8, .uint8, .float8e4m3fn, .float8e5m2: return 8
        }
    }

    /// Whether the format is an 8-bit float (zero point always 0).
    public var isFloat8: Bool { float8Codec != nil }

    /// Whether the format is a float of any width (float8 or float4e2m1): no integer range, no zero point.
    public var isFloat: Bool { floatCodec != nil }

    /// Whether the format holds negative values.
    public var isSigned: Bool {
        switch self {
        case .uint8, .uint16, .uint4, .uint2: return false
        case .int8, .int16, .int4, .int2, .float8e4m3fn, .float8e5m2, .float4e2m1: return true
        }
    }

    /// The conversion rules of the 8-bit float formats; nil for integers.
    public var float8Codec: Float8Codec? {
        switch self {
        case .float8e4m3fn: return .e4m3fn
        case .float8e5m2: return .e5m2
        default: return nil
        }
    }

    /// The conversion rules of every float format, float4e2m1 included; nil for integers.
    public var floatCodec: Float8Codec? { self == .float4e2m1 ? .e2m1 : float8Codec }

    /// The quantized range `qmin...qmax` of an integer format, nil for floats.
    ///
    /// QuantizeLinear always saturates to `.full`; the other kinds only change how scales are computed.
    public func integerRange(_ kind: IntegerRangeKind = .full) -> ClosedRange<Int>? {
        guard !isFloat else { return nil }
        let full: ClosedRange<Int> =
            isSigned ? -(1 << (bitWidth - 1))...((1 << (bitWidth - 1)) - 1) : 0...((1 << bitWidth) - 1)
        switch kind {
        case .full:
            return full
        case .restricted:
            return isSigned ? (full.lowerBound + 1)...full.upperBound : full
        case .reduced:
            return reducedRange
        }
    }

    /// ONNX Runtime's `ONNX_INT_TYPE_REDUCED_RANGE` table, copied as is (int8 and int16 keep both ends).
    private var reducedRange: ClosedRange<Int>? {
        switch self {
        case .uint8: return 0...127
        case .int8: return -64...64
        case .uint16: return 0...32767
        case .int16: return -16384...16384
        case .uint4: return 0...7
        case .int4: return -4...3
        case .int2: return -1...1
        case .uint2: return 0...1
        case .float8e4m3fn, .float8e5m2, .float4e2m1: return nil
        }
    }

    /// The lowest default-domain opset in which QuantizeLinear and DequantizeLinear accept this format
    /// with this granularity.
    ///
    /// int8/uint8: per-tensor 10, per-axis 13, blocks 21; float8: 19 (blocks 21);
    /// int16/uint16/int4/uint4: 21; float4e2m1: 23; int2/uint2: 25.
    public func minimumOpset(for granularity: QuantGranularity) -> Int {
        let byFormat: Int
        switch self {
        case .int8, .uint8:
            byFormat = 10
        case .float8e4m3fn, .float8e5m2:
            byFormat = 19
        case .int16, .uint16, .int4, .uint4:
            byFormat = 21
        case .float4e2m1:
            byFormat = 23
        case .int2, .uint2:
            byFormat = 25
        }
        let byGranularity: Int
        switch granularity {
        case .perTensor: byGranularity = 10
        case .perChannel: byGranularity = 13
        case .perBlock: byGranularity = 21
        }
        return max(byFormat, byGranularity)
    }
}

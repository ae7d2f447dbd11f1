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
        case .int4, .uint4: return 4
        case .int16, .uint16: return 16
        case .int8, .uint8, .float8e4m3fn, .float8e5m2: return 8
        }
    }

    /// Whether the format is an 8-bit float (zero point always 0).
    public var isFloat8: Bool { float8Codec != nil }

    /// Whether the format holds negative values.
    public var isSigned: Bool {
        switch self {
        case .uint8, .uint16, .uint4: return false
        case .int8, .int16, .int4, .float8e4m3fn, .float8e5m2: return true
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

    /// The quantized range `qmin...qmax` of an integer format, nil for 8-bit floats.
    ///
    /// QuantizeLinear always saturates to `.full`; the other kinds only change how scales are computed.
    public func integerRange(_ kind: IntegerRangeKind = .full) -> ClosedRange<Int>? {
        guard !isFloat8 else { return nil }
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
        case .float8e4m3fn, .float8e5m2: return nil
        }
    }

    /// The lowest default-domain opset in which QuantizeLinear and DequantizeLinear accept this format
    /// with this granularity.
    ///
    /// int8/uint8: per-tensor 10, per-axis 13, blocks 21; float8: 19 (blocks 21);
    /// int16/uint16/int4/uint4: 21.
    public func minimumOpset(for granularity: QuantGranularity) -> Int {
        let byFormat: Int
        switch self {
        case .int8, .uint8:
            byFormat = 10
        case .float8e4m3fn, .float8e5m2:
            byFormat = 19
        case .int16, .uint16, .int4, .uint4:
            byFormat = 21
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

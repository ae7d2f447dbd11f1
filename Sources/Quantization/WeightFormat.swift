/// A weight-only format as `quantize-weights` (`format=`) and `--weights` name it: an element type with its
/// scale rule and the block it needs (docs/quantization-formats.md).
public enum WeightFormat: String, CaseIterable, Hashable, Sendable {
    /// Signed 4-bit integers, float32 scales (opset 21).
    case int4
    /// Unsigned 4-bit integers, float32 scales (opset 21).
    case uint4
    /// Signed 8-bit integers.
    case int8
    /// Unsigned 8-bit integers.
    case uint8
    /// Signed 16-bit integers (opset 21).
    case int16
    /// Unsigned 16-bit integers (opset 21).
    case uint16
    /// Signed 2-bit integers, float32 scales (opset 25).
    case int2
    /// Unsigned 2-bit integers, float32 scales (opset 25).
    case uint2
    /// FP4 E2M1 with a float32 scale `amax / 6` per channel or block (opset 23).
    case float4e2m1
    /// NVFP4: E2M1 in blocks of 16, FP8 E4M3 block scales under a float32 tensor scale (opset 23).
    case nvfp4
    /// MXFP4: E2M1 in blocks of 32 with E8M0 power-of-two scales (opset 24).
    case mxfp4
    /// MXFP8 with E4M3 elements in blocks of 32 with E8M0 scales (opset 24).
    case mxfp8e4m3
    /// MXFP8 with E5M2 elements in blocks of 32 with E8M0 scales (opset 24).
    case mxfp8e5m2
    /// MXINT8: int8 (implicit 2^−6) in blocks of 32 with E8M0 scales (opset 24).
    case mxint8

    /// The integer element type of the plain integer formats (float32 scales, any grid); nil for the others.
    public var integerFormat: QuantFormat? {
        switch self {
        case .int4: return .int4
        case .uint4: return .uint4
        case .int8: return .int8
        case .uint8: return .uint8
        case .int16: return .int16
        case .uint16: return .uint16
        case .int2: return .int2
        case .uint2: return .uint2
        default: return nil
        }
    }

    /// The grid of a format with a fixed scale rule (float4e2m1, NVFP4, MX); nil for the integer formats,
    /// whose grid depends on symmetry and scale rule.
    public var fixedGrid: LowBitGrid? {
        switch self {
        case .float4e2m1: return try? LowBitGrid(format: .float4e2m1, scaleEncoding: .float32)
        case .nvfp4: return .nvfp4
        case .mxfp4: return .mxfp4
        case .mxfp8e4m3: return .mxfp8e4m3
        case .mxfp8e5m2: return .mxfp8e5m2
        case .mxint8: return .mxint8
        default: return nil
        }
    }

    /// The only block size the format allows (16 for NVFP4, 32 for MX), nil when any block (or per channel) is allowed.
    public var requiredBlockSize: Int? {
        switch self {
        case .nvfp4: return 16
        case .mxfp4, .mxfp8e4m3, .mxfp8e5m2, .mxint8: return 32
        default: return nil
        }
    }

    /// The block size when none is given: the required one, else 128.
    public var defaultBlockSize: Int { requiredBlockSize ?? 128 }

    /// Whether the format is one the engine targets' format lists predate (judged by docs, not by target).
    public var isTargetIndependent: Bool {
        switch self {
        case .int4, .uint4, .int8, .uint8, .int16, .uint16: return false
        default: return true
        }
    }

    /// The lowest default-domain opset that expresses the format with standard operators.
    ///
    /// float4e2m1 and NVFP4 (E2M1 values, FP8 block scales): 23; MX (float8e8m0 scales): 24; int2/uint2: 25;
    /// the older integers as `QuantFormat.minimumOpset` says.
    public func minimumOpset(blocked: Bool) -> Int {
        switch self {
        case .float4e2m1, .nvfp4: return 23
        case .mxfp4, .mxfp8e4m3, .mxfp8e5m2, .mxint8: return 24
        default:
            let format = integerFormat ?? .int4
            return format.minimumOpset(for: blocked ? .perBlock(axis: 0, blockSize: 1) : .perChannel(axis: 0))
        }
    }
}

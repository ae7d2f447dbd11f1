/// A target number format for quantized values, as the MSE method and `QuantizationParameters` model it.
public enum QuantizationFormat: String, CaseIterable, Equatable, Sendable {
    /// int8 with zero point 0 and the range made symmetric.
    case int8Symmetric = "int8-symmetric"
    /// int8 with a zero point.
    case int8Asymmetric = "int8-asymmetric"
    /// uint8 with zero point 128 and the range made symmetric.
    case uint8Symmetric = "uint8-symmetric"
    /// uint8 with a zero point.
    case uint8Asymmetric = "uint8-asymmetric"
    /// int16 with zero point 0 and the range made symmetric.
    case int16Symmetric = "int16-symmetric"
    /// int16 with a zero point.
    case int16Asymmetric = "int16-asymmetric"
    /// float8 e4m3fn (largest finite value 448), scaled so the range's magnitude maps to 448, zero point 0.
    case float8E4M3FN = "float8e4m3fn"

    /// The largest finite float8 e4m3fn value.
    public static let float8E4M3FNMaximum: Float = 448

    /// Whether the range is made symmetric around zero before computing the scale.
    public var isSymmetric: Bool {
        switch self {
        case .int8Asymmetric, .uint8Asymmetric, .int16Asymmetric: return false
        case .int8Symmetric, .uint8Symmetric, .int16Symmetric, .float8E4M3FN: return true
        }
    }

    /// The integer code range, [qmin, qmax]; nil for float8.
    public var integerBounds: (min: Int, max: Int)? {
        switch self {
        case .int8Symmetric, .int8Asymmetric: return (-128, 127)
        case .uint8Symmetric, .uint8Asymmetric: return (0, 255)
        case .int16Symmetric, .int16Asymmetric: return (-32768, 32767)
        case .float8E4M3FN: return nil
        }
    }
}

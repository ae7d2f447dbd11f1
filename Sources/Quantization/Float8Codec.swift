/// Conversion between float32 and one 8-bit float format (or the 4-bit E2M1 of FP4, whose sign bit is bit 3),
/// rounding to nearest even.
///
/// Matches ONNX's reference (`onnx.numpy_helper.saturate_cast`, i.e. a clip to the finite range followed
/// by ml_dtypes' round-to-nearest-even cast) bit for bit, NaN codes included.
public struct Float8Codec: Hashable, Sendable {
    /// Exponent bits.
    public let exponentBits: Int
    /// Explicit mantissa bits.
    public let mantissaBits: Int
    /// Exponent bias.
    public let exponentBias: Int
    /// Whether the format has infinities (E5M2) or not (E4M3FN).
    public let hasInfinity: Bool
    /// The largest finite value.
    public let maxFinite: Float
    /// The positive NaN code that ml_dtypes produces.
    public let nanCode: UInt8
    /// The code of the largest finite positive value.
    public let maxFiniteCode: UInt8
    /// The code of +infinity, if the format has one.
    public let infinityCode: UInt8?
    /// Whether the format has NaN codes (E2M1 has none: NaN saturates like an overflow).
    public let hasNaN: Bool

    /// The sign bit: 0x80 for the 8-bit formats, 0x08 for E2M1.
    public var signBit: UInt8 { UInt8(1 << (exponentBits + mantissaBits)) }

    /// E4M3FN: 4 exponent bits, bias 7, no infinity, NaN is S.1111.111, max 448.
    public static let e4m3fn = Float8Codec(
        exponentBits: 4, mantissaBits: 3, exponentBias: 7, hasInfinity: false, maxFinite: 448,
        nanCode: 0x7F, maxFiniteCode: 0x7E, infinityCode: nil, hasNaN: true)

    /// E5M2: 5 exponent bits, bias 15, IEEE-like infinities and NaNs, max 57344.
    public static let e5m2 = Float8Codec(
        exponentBits: 5, mantissaBits: 2, exponentBias: 15, hasInfinity: true, maxFinite: 57344,
        nanCode: 0x7E, maxFiniteCode: 0x7B, infinityCode: 0x7C, hasNaN: true)

    /// E2M1 (FP4, ONNX's float4e2m1): 2 exponent bits, bias 1, no infinity and no NaN, max 6.
    public static let e2m1 = Float8Codec(
        exponentBits: 2, mantissaBits: 1, exponentBias: 1, hasInfinity: false, maxFinite: 6,
        nanCode: 0x7, maxFiniteCode: 0x7, infinityCode: nil, hasNaN: false)

    /// The code of `value`, rounded to nearest even.
    ///
    /// With `saturate` (QuantizeLinear's default) a value beyond the finite range, infinities included,
    /// becomes ±`maxFinite`; without it, it becomes NaN (E4M3FN) or ±infinity (E5M2). NaN stays NaN.
    public func encode(_ value: Float, saturate: Bool = true) -> UInt8 {
        let sign: UInt8 = value.sign == .minus ? signBit : 0
        if value.isNaN { return sign | (hasNaN ? nanCode : maxFiniteCode) }
        let magnitude = Double(value.magnitude)
        if magnitude.isInfinite { return sign | overflowCode(saturate: saturate) }
        let rounded = roundToGrid(magnitude)
        if rounded > Double(maxFinite) { return sign | overflowCode(saturate: saturate) }
        return sign | codeOfRepresentable(rounded)
    }

    /// The value of `code` as a float32 (exact: every 8-bit float is a float32).
    public func decode(_ code: UInt8) -> Float {
        let negative = code & signBit != 0
        let bits = code & (signBit - 1)
        let magnitude: Float
        if hasNaN && (bits == nanCode || (hasInfinity && bits > (infinityCode ?? 0x7F))) {
            magnitude = .nan
        } else if let infinityCode, bits == infinityCode {
            magnitude = .infinity
        } else {
            let exponentField = Int(bits) >> mantissaBits
            let mantissa = Float(Int(bits) & ((1 << mantissaBits) - 1))
            if exponentField == 0 {
                magnitude = mantissa * Float(sign: .plus, exponent: 1 - exponentBias - mantissaBits, significand: 1)
            } else {
                let significand = 1 + mantissa / Float(1 << mantissaBits)
                magnitude = Float(sign: .plus, exponent: exponentField - exponentBias, significand: significand)
            }
        }
        return negative ? -magnitude : magnitude
    }

    private func overflowCode(saturate: Bool) -> UInt8 {
        if saturate || !hasNaN { return maxFiniteCode }
        return infinityCode ?? nanCode
    }

    /// Rounds a finite non-negative value to the nearest multiple of its binade's spacing in this format
    /// (ties to even); below the smallest normal the spacing is that of the subnormals.
    private func roundToGrid(_ magnitude: Double) -> Double {
        let minNormalExponent = 1 - exponentBias
        let exponent = magnitude == 0 ? minNormalExponent : max(Int(magnitude.exponent), minNormalExponent)
        let spacing = Double(sign: .plus, exponent: exponent - mantissaBits, significand: 1)
        // Dividing and multiplying by a power of two is exact, so only the rounding step rounds.
        return (magnitude / spacing).rounded(.toNearestOrEven) * spacing
    }

    /// The 7-bit code of a non-negative value that the format represents exactly.
    private func codeOfRepresentable(_ value: Double) -> UInt8 {
        guard value > 0 else { return 0 }
        let minNormalExponent = 1 - exponentBias
        let exponent = Int(value.exponent)
        if exponent < minNormalExponent {
            let subnormalStep = Double(sign: .plus, exponent: minNormalExponent - mantissaBits, significand: 1)
            return UInt8(value / subnormalStep)
        }
        let fraction = value.significand - 1
        let mantissa = Int(fraction * Double(1 << mantissaBits))
        return UInt8(((exponent + exponentBias) << mantissaBits) | mantissa)
    }
}

/// Bit-exact conversions between Float and the 16-bit float formats (IEEE binary16 and bfloat16),
/// the one copy every module uses.
///
/// Written out by hand rather than through Swift's `Float16`, which is missing on some
/// platforms. Widening is exact; narrowing rounds to nearest, ties to even, overflows to
/// infinity and keeps NaNs quiet.
public enum HalfFloat {
    /// The binary16 value with bit pattern `bits`, exactly.
    @inline(__always)
    public static func float(fromHalf bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa × 2^-24, exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return Float(bitPattern: sign | magnitude.bitPattern)
        case 31:
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        default:
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }

    /// The binary16 bit pattern nearest to `value` (ties to even).
    @inline(__always)
    public static func half(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
        let magnitude = bits & 0x7FFF_FFFF
        if magnitude >= 0x7F80_0000 {
            guard magnitude > 0x7F80_0000 else { return sign | 0x7C00 }
            return sign | 0x7E00 | UInt16(truncatingIfNeeded: (magnitude >> 13) & 0x3FF)
        }
        // 65520 is halfway between the largest half (65504) and 65536; ties go to the even 65536, infinity.
        if magnitude >= 0x477F_F000 { return sign | 0x7C00 }
        if magnitude < 0x3880_0000 {
            // Below the smallest normal half: count units of 2^-24; the scaling is exact.
            let units = (Float(bitPattern: magnitude) * 0x1p24).rounded(.toNearestOrEven)
            return sign | UInt16(units)
        }
        let rounded = magnitude + 0xFFF + ((magnitude >> 13) & 1)
        return sign | UInt16(truncatingIfNeeded: (rounded - 0x3800_0000) >> 13)
    }

    /// The bfloat16 value with bit pattern `bits`, exactly.
    @inline(__always)
    public static func float(fromBFloat16 bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// The bfloat16 bit pattern nearest to `value` (ties to even); NaN stays a quiet NaN.
    @inline(__always)
    public static func bfloat16(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }
}

/// Rounding to float8 e4m3fn: 4 exponent bits (bias 7), 3 mantissa bits, no infinities, largest finite 448.
enum Float8E4M3FN {
    /// The largest finite value.
    static let maximum = 448.0
    /// The smallest normal value, 2^-6.
    static let smallestNormal = 0.015625
    /// The spacing of subnormals, 2^-9.
    static let subnormalSpacing = 0.001953125

    /// The nearest e4m3fn value to `value` (ties to even), saturating to ±448 as QuantizeLinear(saturate=1) does.
    static func rounded(_ value: Double) -> Double {
        guard !value.isNaN else { return value }
        let magnitude = Swift.abs(value)
        guard magnitude < maximum else { return value < 0 ? -maximum : maximum }
        let spacing =
            magnitude < smallestNormal
            ? subnormalSpacing : Double(sign: .plus, exponent: magnitude.exponent - 3, significand: 1)
        let result = min((magnitude / spacing).rounded(.toNearestOrEven) * spacing, maximum)
        return value < 0 ? -result : result
    }

    /// The value of the e4m3fn bit pattern `bits`; NaN for the two NaN patterns.
    static func value(bits: UInt8) -> Double {
        let sign: Double = bits & 0x80 != 0 ? -1 : 1
        let exponent = Int((bits >> 3) & 0x0F)
        let mantissa = Double(bits & 0x07)
        if exponent == 0x0F && bits & 0x07 == 0x07 { return .nan }
        if exponent == 0 { return sign * mantissa * subnormalSpacing }
        return sign * (1 + mantissa / 8) * Double(sign: .plus, exponent: exponent - 7, significand: 1)
    }
}

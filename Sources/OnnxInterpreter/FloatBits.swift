/// Bit-level conversions for float8e8m0, the scale format Swift has no type for (the 16-bit
/// formats are in OnnxIR's `HalfFloat`).
enum FloatBits {
    /// How Cast rounds to float8e8m0.
    enum E8M0Rounding: String {
        case up, down, nearest
    }

    /// float8e8m0 code to Float: 2^(code-127), NaN for 0xFF.
    @inline(__always)
    static func e8m0ToFloat(_ code: UInt8) -> Float {
        if code == 0xFF { return .nan }
        if code == 0 { return Float(sign: .plus, exponent: -127, significand: 1) }
        return Float(bitPattern: UInt32(code) << 23)
    }

    /// Float to float8e8m0, as ONNX's reference (`numpy_helper.to_float8e8m0`) does it.
    static func floatToE8M0(_ value: Float, saturate: Bool, rounding: E8M0Rounding) -> UInt8 {
        let bits = value.bitPattern
        var exponent = (bits >> 23) & 0xFF
        if exponent == 0xFF { return 0xFF }
        switch rounding {
        case .nearest:
            let guardBit = bits & 0x40_0000 != 0
            let roundBit = bits & 0x20_0000 != 0
            let sticky = bits & 0x1F_FFFF != 0
            let lsb = exponent > 0
            let roundUp = guardBit && (roundBit || sticky || lsb)
            if roundUp && !(saturate && exponent == 0xFE) { exponent += 1 }
        case .up:
            let hasFraction = bits & 0x7F_FFFF != 0
            if hasFraction && !(saturate && exponent == 0xFE) { exponent += 1 }
        case .down:
            break
        }
        return UInt8(truncatingIfNeeded: exponent)
    }
}

extension QuantParams {
    /// DequantizeLinear of one code: `(code - zeroPoint) * scale` in float32, or the float8 value times
    /// the scale.
    func value(of code: Int) -> Float {
        if let codec = format.float8Codec { return codec.decode(UInt8(truncatingIfNeeded: code)) * scale }
        return (Float(code) - Float(zeroPoint)) * scale
    }
}

import OnnxIR

/// An 8- or 4-bit floating-point format (the float8 family and float4e2m1): decoding and
/// round-to-nearest-even encoding with ONNX's saturation rules.
struct MiniFloat {
    /// Total bits (8 or 4).
    let bits: Int
    /// Mantissa bits.
    let mantissaBits: Int
    /// Exponent bias.
    let bias: Int
    /// How the format spells its special values.
    let kind: Kind
    /// Value of each code (NaN for NaN codes).
    let values: [Float]
    /// Positive finite values in increasing order, with their codes.
    private let ladder: [(value: Float, code: UInt8)]

    /// The families of special-value encoding.
    enum Kind {
        /// E4M3FN: no infinity, NaN is all ones (either sign).
        case finiteAllOnesNaN
        /// E5M2: IEEE-like infinity and NaNs.
        case ieee
        /// FNUZ variants: no infinity, no negative zero, the one NaN is the sign bit alone.
        case finiteUnsignedZero
        /// E2M1: no infinity and no NaN.
        case finiteNoNaN
    }

    /// float8e4m3fn.
    static let e4m3fn = MiniFloat(bits: 8, mantissaBits: 3, bias: 7, kind: .finiteAllOnesNaN)
    /// float8e4m3fnuz.
    static let e4m3fnuz = MiniFloat(bits: 8, mantissaBits: 3, bias: 8, kind: .finiteUnsignedZero)
    /// float8e5m2.
    static let e5m2 = MiniFloat(bits: 8, mantissaBits: 2, bias: 15, kind: .ieee)
    /// float8e5m2fnuz.
    static let e5m2fnuz = MiniFloat(bits: 8, mantissaBits: 2, bias: 16, kind: .finiteUnsignedZero)
    /// float4e2m1.
    static let e2m1 = MiniFloat(bits: 4, mantissaBits: 1, bias: 1, kind: .finiteNoNaN)

    /// The format of `type`, if it is one of these.
    static func format(of type: DataType) -> MiniFloat? {
        switch type {
        case .float8e4m3fn: return e4m3fn
        case .float8e4m3fnuz: return e4m3fnuz
        case .float8e5m2: return e5m2
        case .float8e5m2fnuz: return e5m2fnuz
        case .float4e2m1: return e2m1
        default: return nil
        }
    }

    private init(bits: Int, mantissaBits: Int, bias: Int, kind: Kind) {
        self.bits = bits
        self.mantissaBits = mantissaBits
        self.bias = bias
        self.kind = kind
        let exponentBits = bits - 1 - mantissaBits
        let signBit = 1 << (bits - 1)
        var values: [Float] = []
        for code in 0..<(1 << bits) {
            let negative = code & signBit != 0
            let exponent = (code >> mantissaBits) & ((1 << exponentBits) - 1)
            let mantissa = code & ((1 << mantissaBits) - 1)
            let magnitudeCode = code & (signBit - 1)
            var value: Float
            switch kind {
            case .finiteAllOnesNaN where magnitudeCode == signBit - 1:
                value = .nan
            case .ieee where exponent == (1 << exponentBits) - 1:
                value = mantissa == 0 ? .infinity : .nan
            case .finiteUnsignedZero where code == signBit:
                value = .nan
            default:
                if exponent == 0 {
                    value = Float(mantissa) * Float(sign: .plus, exponent: 1 - bias - mantissaBits, significand: 1)
                } else {
                    let significand = 1 + Float(mantissa) / Float(1 << mantissaBits)
                    value = significand * Float(sign: .plus, exponent: exponent - bias, significand: 1)
                }
            }
            values.append(negative && !value.isNaN ? -value : value)
        }
        self.values = values
        var ladder: [(Float, UInt8)] = []
        for code in 0..<signBit where values[code].isFinite {
            ladder.append((values[code], UInt8(code)))
        }
        self.ladder = ladder
    }

    /// The float value of `code`.
    @inline(__always)
    func decode(_ code: UInt8) -> Float { values[Int(code) & ((1 << bits) - 1)] }

    /// The code nearest to `value` (ties to even), saturating or overflowing as ONNX's Cast tables say.
    func encode(_ value: Float, saturate: Bool) -> UInt8 {
        let signBit = UInt8(1 << (bits - 1))
        let sign: UInt8 = value.sign == .minus ? signBit : 0
        if value.isNaN { return nanCode(sign: sign) }
        let magnitude = value.magnitude
        guard let top = ladder.last else { return 0 }
        if magnitude.isInfinite {
            return saturate || kind == .finiteNoNaN ? sign | top.code : overflowCode(sign: sign)
        }
        let code: UInt8
        if magnitude >= top.value {
            let below = ladder[ladder.count - 2].value
            let halfway = Double(top.value) + (Double(top.value) - Double(below)) / 2
            let overflows = Double(magnitude) > halfway || (Double(magnitude) == halfway && top.code & 1 == 1)
            if overflows && !saturate && kind != .finiteNoNaN { return overflowCode(sign: sign) }
            code = top.code
        } else {
            code = nearest(magnitude)
        }
        if code == 0 && (kind == .finiteUnsignedZero) { return 0 }
        return sign | code
    }

    private func nearest(_ magnitude: Float) -> UInt8 {
        var low = 0
        var high = ladder.count - 1
        while high - low > 1 {
            let middle = (low + high) / 2
            if ladder[middle].value <= magnitude { low = middle } else { high = middle }
        }
        let below = ladder[low]
        let above = ladder[high]
        if magnitude <= below.value { return below.code }
        let distanceBelow = Double(magnitude) - Double(below.value)
        let distanceAbove = Double(above.value) - Double(magnitude)
        if distanceBelow < distanceAbove { return below.code }
        if distanceAbove < distanceBelow { return above.code }
        return below.code & 1 == 0 ? below.code : above.code
    }

    private func nanCode(sign: UInt8) -> UInt8 {
        switch kind {
        case .finiteAllOnesNaN: return sign | 0x7F
        case .ieee: return sign | 0x7F
        case .finiteUnsignedZero: return 0x80
        case .finiteNoNaN: return 0x8
        }
    }

    private func overflowCode(sign: UInt8) -> UInt8 {
        switch kind {
        case .ieee: return sign | 0x7C
        default: return nanCode(sign: sign)
        }
    }
}

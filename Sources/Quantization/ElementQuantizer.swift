/// QuantizeLinear of single values with one scale and zero point, everything per-format hoisted out of the
/// per-element path.
struct ElementQuantizer {
    private let scale: Float
    private let zeroPoint: Float
    private let lowest: Float
    private let highest: Float
    private let codec: Float8Codec?

    /// Prepares `params` for repeated use.
    init(_ params: QuantParams) {
        scale = params.scale
        zeroPoint = Float(params.zeroPoint)
        let range = params.format.integerRange() ?? 0...0
        lowest = Float(range.lowerBound)
        highest = Float(range.upperBound)
        codec = params.format.float8Codec
    }

    /// The code of a value that is not NaN: `saturate(round_half_even(x / scale) + zeroPoint)` for integers,
    /// the saturating float8 cast of `x / scale` otherwise. The division is float32, as ONNX's reference
    /// computes it.
    @inline(__always)
    func code(for value: Float) -> Int {
        let scaled = value / scale
        if let codec { return Int(codec.encode(scaled, saturate: true)) }
        // Float32 addition is exact below 2^24; beyond that the sum is far outside every range and clamps
        // the same way, infinities included.
        let shifted = scaled.rounded(.toNearestOrEven) + zeroPoint
        return Int(Swift.min(Swift.max(shifted, lowest), highest))
    }
}

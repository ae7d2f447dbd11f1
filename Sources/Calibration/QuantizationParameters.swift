/// A scale and zero point for a range, computed as ONNX Runtime's `compute_scale_zp` does, never zero or NaN.
///
/// The range is first widened to include 0 and, for symmetric formats, made symmetric;
/// `scale = (max - min) / (qmax - qmin)` (in double, then float32); the zero point is the
/// middle code for symmetric formats (0, 128, 0) and `round(qmin - min / scale)` otherwise.
/// A scale below the smallest normal float32 (a zero-width range such as a constant-zero
/// tensor, or a subnormal one) becomes 1 with zero point 0, as in ONNX Runtime. float8 e4m3fn
/// uses `scale = absMax / 448`, zero point 0, with the same rule.
public struct QuantizationParameters: Equatable, Sendable {
    /// The scale: positive, normal and finite.
    public var scale: Float
    /// The zero point, within the format's integer codes (0 for float8).
    public var zeroPoint: Int

    /// Creates parameters from their values.
    public init(scale: Float, zeroPoint: Int) {
        self.scale = scale
        self.zeroPoint = zeroPoint
    }

    /// The parameters that make `format` cover `range`; throws if a bound is not finite.
    public init(range: CalibrationRange, format: QuantizationFormat) throws {
        guard range.isFinite, range.min <= range.max else {
            throw CalibrationError.nonFiniteRange(min: range.min, max: range.max)
        }
        var low = Double(min(range.min, 0))
        var high = Double(max(range.max, 0))
        if format.isSymmetric {
            let magnitude = max(-low, high)
            low = -magnitude
            high = magnitude
        }
        guard let bounds = format.integerBounds else {
            self = Self.checked(scale: high / Double(QuantizationFormat.float8E4M3FNMaximum), zeroPoint: 0)
            return
        }
        let scale = (high - low) / Double(bounds.max - bounds.min)
        let zeroPoint =
            format.isSymmetric
            ? (Double(bounds.min + bounds.max) / 2).rounded(.toNearestOrEven)
            : (Double(bounds.min) - low / scale).rounded(.toNearestOrEven)
        let clamped = scale.isNormal ? min(max(Int(zeroPoint), bounds.min), bounds.max) : 0
        self = Self.checked(scale: scale, zeroPoint: clamped)
    }

    /// The parameters, or scale 1 and zero point 0 when the scale is not a normal positive float32.
    private static func checked(scale: Double, zeroPoint: Int) -> QuantizationParameters {
        let stored = Float(scale)
        guard stored.isFinite, scale >= Double(Float.leastNormalMagnitude) else {
            return QuantizationParameters(scale: 1, zeroPoint: 0)
        }
        return QuantizationParameters(scale: stored, zeroPoint: zeroPoint)
    }

    /// What `value` becomes after quantizing to `format` and back (round half to even, saturating).
    public func fakeQuantize(_ value: Double, format: QuantizationFormat) -> Double {
        let scale = Double(self.scale)
        guard let bounds = format.integerBounds else {
            return Float8E4M3FN.rounded(value / scale) * scale
        }
        let code = (value / scale).rounded(.toNearestOrEven) + Double(zeroPoint)
        let saturated = min(max(code, Double(bounds.min)), Double(bounds.max))
        return (saturated - Double(zeroPoint)) * scale
    }
}

/// One scale and zero point: `real = scale * (quantized - zeroPoint)`.
public struct QuantParams: Hashable, Sendable {
    /// The quantized element type.
    public let format: QuantFormat
    /// The step between consecutive quantized values; always a positive normal float32.
    public let scale: Float
    /// The quantized value that represents real 0 (always 0 for 8-bit floats).
    public let zeroPoint: Int

    /// The scale used when a range is too narrow for a normal float32 scale (zero width included):
    /// 1.0, as ONNX Runtime's `compute_scale_zp` uses. Every value of such a range quantizes to the zero
    /// point and dequantizes to 0, which is exact for the zero-width range [0, 0].
    public static let degenerateRangeScale: Float = 1.0

    /// Wraps a scale and zero point, refusing a scale that is not a positive normal float32 or a zero
    /// point outside the format's range (`tensor` names the tensor in the error).
    public init(format: QuantFormat, scale: Float, zeroPoint: Int, tensor: String = "") throws {
        guard scale.isNormal, scale > 0 else {
            throw QuantizationError.invalidParameters(
                tensor: tensor, reason: "scale \(scale) is not a positive normal float32")
        }
        if let range = format.integerRange() {
            guard range.contains(zeroPoint) else {
                throw QuantizationError.invalidParameters(
                    tensor: tensor,
                    reason: "zero point \(zeroPoint) is outside \(format) [\(range.lowerBound), \(range.upperBound)]")
            }
        } else if zeroPoint != 0 {
            throw QuantizationError.invalidParameters(
                tensor: tensor, reason: "zero point \(zeroPoint) must be 0 for \(format)")
        }
        self.init(checkedFormat: format, scale: scale, zeroPoint: zeroPoint)
    }

    /// Builds parameters already known to be valid.
    init(checkedFormat format: QuantFormat, scale: Float, zeroPoint: Int) {
        self.format = format
        self.scale = scale
        self.zeroPoint = zeroPoint
    }

    /// Scale and zero point for the integer range `qmin...qmax` from a real range, exactly as ONNX Runtime's
    /// `quant_utils.compute_scale_zp` computes them with float32 `rmin`/`rmax`.
    ///
    /// The range is widened to include 0; `minRealRange` then widens `rmax` (float32 arithmetic);
    /// `symmetric` makes it `[-absmax, absmax]`. The scale is `(rmax - rmin) / (qmax - qmin)` in float64,
    /// rounded once to float32; the zero point is `round(qmin - rmin / scale64)` (half to even) or, when
    /// symmetric, `round((qmin + qmax) / 2)`. A float64 scale below the smallest normal float32 becomes
    /// `degenerateRangeScale` (1.0) with zero point 0 — or, when symmetric, the same midpoint zero point as
    /// every other range, where ONNX Runtime uses 0 (this only differs for unsigned formats, and keeps all
    /// channels' zero points equal as its own per-channel kernels require). For a range reaching float32's
    /// largest values, the scale is capped so that `qmin` and `qmax` dequantize to finite values (ONNX
    /// Runtime's would give ±inf).
    public static func integer(
        rmin: Float, rmax: Float, format: QuantFormat, range: ClosedRange<Int>, symmetric: Bool,
        minRealRange: Float? = nil, tensor: String
    ) throws -> QuantParams {
        try integer(
            rmin: rmin, rmax: rmax, format: format, range: range, symmetric: symmetric, minRealRange: minRealRange,
            blockArithmetic: false, tensor: tensor)
    }

    /// `integer(...)`, or with `blockArithmetic` the arithmetic of ONNX Runtime's `compute_scale_zp_blocked`
    /// (its per-block path): `rmax - rmin` in float32, the degenerate test on the float32 scale, and the
    /// zero point from the float32 scale. The two differ by an ulp of the scale now and then.
    static func integer(
        rmin: Float, rmax: Float, format: QuantFormat, range: ClosedRange<Int>, symmetric: Bool,
        minRealRange: Float?, blockArithmetic: Bool, tensor: String
    ) throws -> QuantParams {
        guard rmin.isFinite, rmax.isFinite else {
            throw QuantizationError.nonFiniteRange(tensor: tensor, min: rmin, max: rmax)
        }
        guard !format.isFloat8, let fullRange = format.integerRange(),
            range.lowerBound <= 0, range.upperBound >= 0, range.lowerBound < range.upperBound,
            range.lowerBound >= fullRange.lowerBound,
            range.upperBound <= fullRange.upperBound
        else {
            throw QuantizationError.invalidParameters(
                tensor: tensor,
                reason: "range [\(range.lowerBound), \(range.upperBound)] must contain 0 and fit \(format)")
        }
        if let minRealRange, !minRealRange.isFinite || minRealRange < 0 {
            throw QuantizationError.invalidParameters(
                tensor: tensor, reason: "minimum real range \(minRealRange) must be finite and non-negative")
        }
        var low = Swift.min(rmin, 0)
        var high = Swift.max(rmax, 0)
        if let minRealRange {
            // Float32 addition, as numpy does with float32 operands.
            high = Swift.max(high, low + minRealRange)
        }
        if symmetric {
            let absmax = Swift.max(low.magnitude, high.magnitude)
            low = -absmax
            high = absmax
        }
        let qmin = Double(range.lowerBound)
        let qmax = Double(range.upperBound)
        let width32 = high - low
        let width = blockArithmetic && width32.isFinite ? Double(width32) : Double(high) - Double(low)
        var scale64 = width / (qmax - qmin)
        if blockArithmetic { scale64 = Double(Float(scale64)) }
        let midpoint = Int(((qmin + qmax) / 2).rounded(.toNearestOrEven))
        guard scale64 >= Double(Float.leastNormalMagnitude) else {
            return QuantParams(
                checkedFormat: format, scale: degenerateRangeScale, zeroPoint: symmetric ? midpoint : 0)
        }
        guard Float(scale64).isFinite else {
            throw QuantizationError.invalidParameters(
                tensor: tensor, reason: "range [\(low), \(high)] is too wide for a float32 scale")
        }
        let zeroPoint: Int
        if symmetric {
            zeroPoint = midpoint
        } else {
            let unclamped = (qmin - Double(low) / scale64).rounded(.toNearestOrEven)
            zeroPoint = Int(Swift.min(Swift.max(unclamped, qmin), qmax))
        }
        let scale = finiteAtEnds(Float(scale64), zeroPoint: zeroPoint, range: range)
        return QuantParams(checkedFormat: format, scale: scale, zeroPoint: zeroPoint)
    }

    /// The largest scale not above `scale` for which DequantizeLinear of `qmin` and `qmax`
    /// (`(q - zeroPoint) * scale` in float32) stays finite. Only ranges reaching float32's largest values
    /// need the cap, which ONNX Runtime does not apply (it dequantizes their ends to ±inf).
    private static func finiteAtEnds(_ scale: Float, zeroPoint: Int, range: ClosedRange<Int>) -> Float {
        let widest = Swift.max(
            (Float(range.lowerBound) - Float(zeroPoint)).magnitude,
            (Float(range.upperBound) - Float(zeroPoint)).magnitude)
        guard !(widest * scale).isFinite else { return scale }
        var capped = Float.greatestFiniteMagnitude / widest
        while !(widest * capped).isFinite { capped = capped.nextDown }
        return Swift.min(capped, scale)
    }

    /// Scale for an 8-bit float format from the largest magnitude to represent: `amax / maxFinite`
    /// (448 for E4M3FN), as TensorRT and NVIDIA ModelOpt compute it; zero point 0.
    ///
    /// A quotient below the smallest normal float32 (amax 0 included) becomes `degenerateRangeScale`.
    public static func float8(amax: Float, format: QuantFormat, tensor: String) throws -> QuantParams {
        guard let codec = format.float8Codec else {
            throw QuantizationError.invalidParameters(tensor: tensor, reason: "\(format) is not an 8-bit float format")
        }
        guard amax.isFinite else {
            throw QuantizationError.nonFiniteRange(tensor: tensor, min: -amax, max: amax)
        }
        let scale = amax.magnitude / codec.maxFinite
        guard scale >= Float.leastNormalMagnitude else {
            return QuantParams(checkedFormat: format, scale: degenerateRangeScale, zeroPoint: 0)
        }
        return QuantParams(checkedFormat: format, scale: scale, zeroPoint: 0)
    }

    /// Scale for E4M3FN from a standard deviation, as ONNX Runtime's `compute_scale_zp_float8` does
    /// (its default for float8): `std / std(all finite E4M3FN values)`, in float32.
    public static func float8(standardDeviation: Float, format: QuantFormat, tensor: String) throws -> QuantParams {
        guard let codec = format.float8Codec else {
            throw QuantizationError.invalidParameters(tensor: tensor, reason: "\(format) is not an 8-bit float format")
        }
        guard standardDeviation.isFinite, standardDeviation >= 0 else {
            throw QuantizationError.invalidParameters(
                tensor: tensor, reason: "standard deviation \(standardDeviation) must be finite and non-negative")
        }
        let scale = standardDeviation / codec.standardDeviationOfFiniteValues
        guard scale >= Float.leastNormalMagnitude else {
            return QuantParams(checkedFormat: format, scale: degenerateRangeScale, zeroPoint: 0)
        }
        return QuantParams(checkedFormat: format, scale: scale, zeroPoint: 0)
    }
}

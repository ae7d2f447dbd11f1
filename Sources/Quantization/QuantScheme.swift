/// How to turn a real range into quantization parameters: the format, symmetry and integer range.
public struct QuantScheme: Hashable, Sendable {
    /// The quantized element type.
    public var format: QuantFormat
    /// Whether the range is made symmetric around 0 (zero point at the middle of the range).
    /// Ignored for 8-bit floats, which are always symmetric with zero point 0.
    public var symmetric: Bool
    /// Which part of the integer range scales are computed for; ignored for 8-bit floats.
    public var rangeKind: IntegerRangeKind
    /// The narrowest real range to allow (ONNX Runtime's `MinimumRealRange`), nil for none.
    /// For 8-bit floats, `amax` is raised to at least half of it.
    public var minRealRange: Float?

    /// Creates a scheme.
    public init(
        format: QuantFormat, symmetric: Bool, rangeKind: IntegerRangeKind = .full, minRealRange: Float? = nil
    ) {
        self.format = format
        self.symmetric = symmetric
        self.rangeKind = rangeKind
        self.minRealRange = minRealRange
    }

    /// ONNX Runtime's choice (`get_qmin_qmax_for_qType`): `reduceRange` wins; otherwise symmetric int8 and
    /// int16 use the restricted range ([-127, 127], [-32767, 32767]) and everything else (int4 included)
    /// the full range.
    public static func onnxRuntime(
        format: QuantFormat, symmetric: Bool, reduceRange: Bool = false, minRealRange: Float? = nil
    ) -> QuantScheme {
        let kind: IntegerRangeKind
        if reduceRange {
            kind = .reduced
        } else if symmetric && (format == .int8 || format == .int16) {
            kind = .restricted
        } else {
            kind = .full
        }
        return QuantScheme(format: format, symmetric: symmetric, rangeKind: kind, minRealRange: minRealRange)
    }

    /// ONNX Runtime's default weight symmetry (`is_weight_symmetric`): signed formats symmetric,
    /// unsigned ones asymmetric. `quantize_static` also forces per-channel weights symmetric.
    public static func onnxRuntimeWeightsAreSymmetric(_ format: QuantFormat) -> Bool { format.isSigned }

    /// TensorRT's explicit-quantization convention: symmetric, zero point 0, signed integers on the
    /// restricted range (int8 scale `amax / 127`, int4 scale `amax / 7`), float8 scale `amax / 448`.
    public static func tensorRT(format: QuantFormat) -> QuantScheme {
        QuantScheme(format: format, symmetric: true, rangeKind: .restricted)
    }

    /// The integer range scales are computed for, nil for 8-bit floats.
    public var integerRange: ClosedRange<Int>? { format.integerRange(rangeKind) }

    /// Parameters for values observed in `[rmin, rmax]`; `tensor` names the tensor in errors.
    public func params(rmin: Float, rmax: Float, tensor: String) throws -> QuantParams {
        try params(rmin: rmin, rmax: rmax, blockArithmetic: false, tensor: tensor)
    }

    /// `params(rmin:rmax:tensor:)`, optionally with ONNX Runtime's per-block arithmetic.
    func params(rmin: Float, rmax: Float, blockArithmetic: Bool, tensor: String) throws -> QuantParams {
        guard rmin.isFinite, rmax.isFinite else {
            throw QuantizationError.nonFiniteRange(tensor: tensor, min: rmin, max: rmax)
        }
        guard let range = integerRange else {
            var amax = Swift.max(rmin.magnitude, rmax.magnitude)
            if let minRealRange { amax = Swift.max(amax, minRealRange / 2) }
            return try QuantParams.float8(amax: amax, format: format, tensor: tensor)
        }
        return try QuantParams.integer(
            rmin: rmin, rmax: rmax, format: format, range: range, symmetric: symmetric, minRealRange: minRealRange,
            blockArithmetic: blockArithmetic, tensor: tensor)
    }
}

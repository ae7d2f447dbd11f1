/// How a weight block's values map to the integer codes of a low-bit format: the grid that RTN,
/// AWQ and GPTQ all round to.
///
/// Integer grids with float32 scales round half away from zero, as ONNX Runtime's MLAS block quantizer
/// (`roundf`) rounds, so that qdqc's RTN reproduces ONNX Runtime's `MatMulNBitsQuantizer` code for code.
/// Float elements (float4e2m1, float8) and the two-level formats (NVFP4, MX) round to nearest even with
/// saturation, as QuantizeLinear and ml_dtypes do (docs/quantization-formats.md).
public struct LowBitGrid: Hashable, Sendable {
    /// How a block's scale is stored: its own rule and ONNX element type.
    public enum ScaleEncoding: Hashable, Sendable {
        /// A float32 scale per block (`amax / max` for float elements).
        case float32
        /// NVFP4: an FP8 E4M3 scale per block, `amax_block / 6` divided by a float32 scale per tensor
        /// (`amax_tensor / (6 · 448)`, 0 until the grid is `fitted(to:)` a tensor), as ModelOpt defines it.
        case float8e4m3(tensorScale: Float)
        /// OCP Microscaling: a power of two per block stored as float8e8m0, `2^(floor(log2 amax) − emax)`.
        /// `elementShift` moves the stored exponent down (6 for MXINT8, whose elements carry an implicit
        /// `2^−6`), so the element codes are plain int8.
        case powerOfTwo(elementMaxExponent: Int, elementShift: Int)
    }

    /// How a symmetric grid's scale is chosen from a block's values.
    public enum SymmetricRule: String, CaseIterable, Hashable, Sendable {
        /// The element of largest magnitude maps exactly to the lowest code: `scale = m / qmin`, negative
        /// when `m > 0` (ONNX Runtime's `MatMulNBits` quantizer and llama.cpp's Q4_0). Uses every code.
        case extreme
        /// The smallest positive scale that fits both ends: `max(max⁺ / qmax, min⁻ / qmin)`. Uses the
        /// lowest code only for the negative side; positive scales, as TensorRT requires.
        case full
        /// `scale = max|w| / qmax`: the lowest code is never produced (TensorRT's and ModelOpt's convention).
        case restricted
    }

    /// Scale and zero point of one block.
    public struct Step: Hashable, Sendable {
        /// The step between codes; never zero (a block of zeros gets 1), negative only under `.extreme`.
        public let scale: Float
        /// The code of real 0.
        public let zeroPoint: Int
        /// `1 / scale` in float32: values are multiplied by it, as ONNX Runtime's quantizer does, so a value
        /// whose quotient lands exactly on a half rounds the same way in both.
        public let reciprocal: Float
        /// The block's minimum under the minval form (`x ≈ scale · (q − qmin) + minval`), else 0.
        public let offset: Float
        /// The stored scale's bits for FP8 (NVFP4) and E8M0 (MX) scales, else 0.
        public let scaleCode: UInt8

        /// A step of `scale` and `zeroPoint`.
        public init(scale: Float, zeroPoint: Int) {
            self.init(scale: scale, zeroPoint: zeroPoint, offset: 0, scaleCode: 0)
        }

        /// A step with a minval `offset` or an encoded scale.
        public init(scale: Float, zeroPoint: Int, offset: Float, scaleCode: UInt8) {
            self.scale = scale
            self.zeroPoint = zeroPoint
            self.offset = offset
            self.scaleCode = scaleCode
            reciprocal = 1 / scale
        }
    }

    /// The element format (int4, uint4, int8, uint8, int2, float4e2m1, float8...).
    public let format: QuantFormat
    /// How block scales are computed and stored.
    public private(set) var scaleEncoding: ScaleEncoding
    /// Whether asymmetric blocks use the minval form: a float minimum per block instead of an integer zero point.
    public let usesMinimum: Bool
    /// Whether the zero point is fixed at the middle of the range (0 for signed formats).
    public let symmetric: Bool
    /// The scale rule of symmetric grids.
    public let rule: SymmetricRule
    /// The lowest code (integers; for floats the most negative finite value's negation of `qmax`).
    public let qmin: Int
    /// The highest code (integers; unused for floats).
    public let qmax: Int

    /// A grid for an integer `format` with float32 scales (`tensor` names the weight in the error).
    ///
    /// `usesMinimum` selects the minval form, which is asymmetric by definition.
    public init(
        format: QuantFormat, symmetric: Bool, rule: SymmetricRule = .extreme, usesMinimum: Bool = false,
        tensor: String = ""
    ) throws {
        guard let range = format.integerRange() else {
            throw QuantizationError.invalidParameters(
                tensor: tensor, reason: "\(format) is not an integer format; use a float grid for it")
        }
        if usesMinimum && symmetric {
            throw QuantizationError.invalidParameters(tensor: tensor, reason: "the minval form is asymmetric")
        }
        self.format = format
        self.symmetric = symmetric
        self.rule = rule
        self.usesMinimum = usesMinimum
        scaleEncoding = .float32
        qmin = range.lowerBound
        qmax = range.upperBound
    }

    /// A symmetric grid whose block scales follow `scaleEncoding`: float elements (float4e2m1, float8) with
    /// any encoding, or int8 with a power-of-two scale (MXINT8, codes −127...127 as the OCP reference clamps).
    public init(format: QuantFormat, scaleEncoding: ScaleEncoding, tensor: String = "") throws {
        switch (format.isFloat, scaleEncoding) {
        case (true, _),
            (false, .powerOfTwo) where format == .int8:
            self.init(checkedFormat: format, scaleEncoding: scaleEncoding)
        default:
            throw QuantizationError.invalidParameters(
                tensor: tensor, reason: "\(format) elements cannot take \(scaleEncoding) scales")
        }
    }

    private init(checkedFormat format: QuantFormat, scaleEncoding: ScaleEncoding) {
        self.format = format
        self.scaleEncoding = scaleEncoding
        symmetric = true
        rule = .restricted
        usesMinimum = false
        qmin = format.isFloat ? 0 : -127
        qmax = format.isFloat ? 0 : 127
    }

    /// NVFP4: E2M1 elements, E4M3 block scales under a float32 tensor scale (set by `fitted(to:)`).
    public static let nvfp4 = LowBitGrid(checkedFormat: .float4e2m1, scaleEncoding: .float8e4m3(tensorScale: 0))
    /// MXFP4: E2M1 elements (emax 2) under E8M0 block scales.
    public static let mxfp4 = LowBitGrid(
        checkedFormat: .float4e2m1, scaleEncoding: .powerOfTwo(elementMaxExponent: 2, elementShift: 0))
    /// MXFP8 E4M3: elements emax 8 under E8M0 block scales.
    public static let mxfp8e4m3 = LowBitGrid(
        checkedFormat: .float8e4m3fn, scaleEncoding: .powerOfTwo(elementMaxExponent: 8, elementShift: 0))
    /// MXFP8 E5M2: elements emax 15 under E8M0 block scales.
    public static let mxfp8e5m2 = LowBitGrid(
        checkedFormat: .float8e5m2, scaleEncoding: .powerOfTwo(elementMaxExponent: 15, elementShift: 0))
    /// MXINT8: int8 elements with an implicit `2^−6` (emax 0) under E8M0 block scales.
    public static let mxint8 = LowBitGrid(
        checkedFormat: .int8, scaleEncoding: .powerOfTwo(elementMaxExponent: 0, elementShift: 6))

    /// The float conversion of float elements; nil for integer codes.
    public var elementCodec: Float8Codec? { format.floatCodec }

    /// The tensor-level scale of a two-level grid (NVFP4), nil otherwise.
    public var tensorScale: Float? {
        if case .float8e4m3(let scale) = scaleEncoding { return scale }
        return nil
    }

    /// The grid with its tensor scale set from `values` (NVFP4: `amax / (6 · 448)`, 1 for a tensor of zeros);
    /// grids without one, or already fitted, come back unchanged.
    public func fitted(to values: [Float]) -> LowBitGrid {
        guard let current = tensorScale, current == 0, let codec = elementCodec else { return self }
        var amax: Float = 0
        for value in values { amax = Swift.max(amax, value.magnitude) }
        var scale = amax / (codec.maxFinite * Float8Codec.e4m3fn.maxFinite)
        if scale == 0 || !scale.isFinite { scale = 1 }
        var grid = self
        grid.scaleEncoding = .float8e4m3(tensorScale: scale)
        return grid
    }

    /// The zero point of a symmetric grid: 0 for signed formats, the middle code (8 for uint4) otherwise.
    public var symmetricZeroPoint: Int { format.isSigned ? 0 : (qmax + 1) / 2 }

    /// The step for a block with these extremes, its range shrunk by `clip` (in (0, 1]).
    ///
    /// Asymmetric: the range is widened to include 0, `scale = (hi − lo) / (qmax − qmin)` in float32 and
    /// `zeroPoint = round(qmin − lo / scale)`. A block whose scale would be 0 gets scale 1 and the zero
    /// point of real 0 (ONNX Runtime writes scale 0; both dequantize the block to zeros).
    /// A negative `clip` anchors, under the `extreme` rule, the other end on qmax instead; other grids take
    /// its magnitude.
    public func step(for extremes: BlockExtremes, clip: Float = 1) -> Step {
        if clip < 0 && !(symmetric && rule == .extreme) { return step(for: extremes, clip: -clip) }
        if elementCodec != nil || scaleEncoding != .float32 { return encodedStep(for: extremes, clip: clip) }
        if usesMinimum { return minimumStep(for: extremes, clip: clip) }
        if symmetric {
            let zeroPoint = symmetricZeroPoint
            let low = Float(qmin - zeroPoint)
            let high = Float(qmax - zeroPoint)
            var scale: Float
            switch rule {
            case .extreme:
                // A negative clip anchors the other end on qmax instead (a candidate AWQ's step search tries).
                scale =
                    clip < 0
                    ? (extremes.opposite * -clip) / high
                    : (extremes.extreme * clip) / low
            case .full:
                scale = Swift.max(
                    Swift.max(extremes.maximum, 0) * clip / high, Swift.min(extremes.minimum, 0) * clip / low)
            case .restricted: scale = Swift.max(extremes.maximum.magnitude, extremes.minimum.magnitude) * clip / high
            }
            if scale == 0 || !scale.isFinite { scale = 1 }
            return Step(scale: scale, zeroPoint: zeroPoint)
        }
        let low = Swift.min(extremes.minimum, 0) * clip
        let high = Swift.max(extremes.maximum, 0) * clip
        let scale = (high - low) / Float(qmax - qmin)
        guard scale != 0, scale.isFinite else {
            return Step(scale: 1, zeroPoint: Swift.min(Swift.max(0, qmin), qmax))
        }
        let zeroPoint = (Float(qmin) - low / scale).rounded(.toNearestOrAwayFromZero)
        return Step(scale: scale, zeroPoint: Int(Swift.min(Swift.max(zeroPoint, Float(qmin)), Float(qmax))))
    }

    /// The step of a float-element or encoded-scale grid: `amax / max` per block, then stored as its
    /// encoding requires (the scale used is the stored one, so codes match what DequantizeLinear reads).
    private func encodedStep(for extremes: BlockExtremes, clip: Float) -> Step {
        let amax = Swift.max(extremes.maximum.magnitude, extremes.minimum.magnitude) * clip.magnitude
        let elementMax = elementCodec?.maxFinite ?? Float(qmax)
        switch scaleEncoding {
        case .float32:
            let scale = amax / elementMax
            return Step(scale: scale == 0 || !scale.isFinite ? 1 : scale, zeroPoint: 0)
        case .float8e4m3(let tensorScale):
            let tensor = tensorScale == 0 ? 1 : tensorScale
            let blockScale = amax / elementMax
            // ModelOpt: a block of zeros gets 1; a block scale that rounds to FP8 zero would divide by zero,
            // so it takes the smallest subnormal instead.
            var code = Float8Codec.e4m3fn.encode(blockScale == 0 ? 1 : blockScale / tensor, saturate: true)
            if code == 0 { code = 1 }
            return Step(
                scale: Float8Codec.e4m3fn.decode(code) * tensor, zeroPoint: 0, offset: 0, scaleCode: code)
        case .powerOfTwo(let elementMaxExponent, let elementShift):
            // The OCP reference: floor(log2(amax)) − emax, clamped to E8M0's [−127, 127]; a block of zeros
            // takes the smallest exponent (log2 of FP32_MIN_NORMAL − emax, clamped).
            let largest = amax > 0 && amax.isFinite ? Int(amax.exponent) : -126
            let shared = Swift.min(Swift.max(largest - elementMaxExponent, -127), 127)
            let stored = Swift.max(shared - elementShift, -127)
            return Step(
                scale: Float(sign: .plus, exponent: stored, significand: 1), zeroPoint: 0, offset: 0,
                scaleCode: UInt8(stored + 127))
        }
    }

    /// The minval step: `scale = (max − min) / (qmax − qmin)` over the block's own range (not widened to 0),
    /// `offset = min`, the zero point qmin; a constant block gets scale 1.
    private func minimumStep(for extremes: BlockExtremes, clip: Float) -> Step {
        let low = extremes.minimum * clip.magnitude
        let high = extremes.maximum * clip.magnitude
        let scale = (high - low) / Float(qmax - qmin)
        let usable = scale != 0 && scale.isFinite
        return Step(scale: usable ? scale : 1, zeroPoint: qmin, offset: low, scaleCode: 0)
    }

    /// The code of `value` under `step`: `clamp(round(value · (1/scale)) + zeroPoint)`, half away from zero
    /// (rounded before the zero point is added, as ONNX Runtime's quantizer does: it decides ties).
    ///
    /// Float elements: the bits of `value / scale` rounded to nearest even, saturating. MXINT8: the quotient
    /// rounded to nearest even and clamped to ±127. Minval: `value − offset` is rounded.
    @inline(__always)
    public func code(_ value: Float, _ step: Step) -> Int {
        if let codec = elementCodec { return Int(codec.encode(value / step.scale, saturate: true)) }
        if scaleEncoding != .float32 {
            let rounded = (value / step.scale).rounded(.toNearestOrEven)
            guard rounded == rounded else { return 0 }
            return Int(Swift.min(Swift.max(rounded, Float(qmin)), Float(qmax)))
        }
        let centered = usesMinimum ? value - step.offset : value
        let shifted = (centered * step.reciprocal).rounded(.toNearestOrAwayFromZero) + Float(step.zeroPoint)
        guard shifted == shifted else { return step.zeroPoint }
        return Int(Swift.min(Swift.max(shifted, Float(qmin)), Float(qmax)))
    }

    /// The real value of `code` under `step`, as DequantizeLinear (and, for minval, the Add after it) computes it.
    @inline(__always)
    public func value(_ code: Int, _ step: Step) -> Float {
        if let codec = elementCodec { return codec.decode(UInt8(truncatingIfNeeded: code)) * step.scale }
        let scaled = Float(code - step.zeroPoint) * step.scale
        return usesMinimum ? scaled + step.offset : scaled
    }
}

/// The extremes of one block of weights: its minimum and maximum.
public struct BlockExtremes: Hashable, Sendable {
    /// The smallest value (0 for an empty block).
    public var minimum: Float = 0
    /// The largest value.
    public var maximum: Float = 0
    private var isEmpty = true

    /// The end of larger magnitude, with its sign; the minimum when both are as large (ONNX Runtime's choice).
    public var extreme: Float { maximum.magnitude > minimum.magnitude ? maximum : minimum }

    /// The other end.
    public var opposite: Float { maximum.magnitude > minimum.magnitude ? minimum : maximum }

    /// Extremes of no value.
    public init() {}

    /// Adds one value.
    @inline(__always)
    public mutating func add(_ value: Float) {
        if isEmpty {
            minimum = value
            maximum = value
            isEmpty = false
            return
        }
        minimum = Swift.min(minimum, value)
        maximum = Swift.max(maximum, value)
    }
}

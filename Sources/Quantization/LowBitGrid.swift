/// How a weight block's values map to the integer codes of a low-bit format: the grid that RTN,
/// AWQ and GPTQ all round to.
///
/// Rounding is half away from zero, as ONNX Runtime's MLAS block quantizer (`roundf`) rounds, so that
/// qdqc's RTN reproduces ONNX Runtime's `MatMulNBitsQuantizer` code for code.
public struct LowBitGrid: Hashable, Sendable {
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

        /// A step of `scale` and `zeroPoint`.
        public init(scale: Float, zeroPoint: Int) {
            self.scale = scale
            self.zeroPoint = zeroPoint
            reciprocal = 1 / scale
        }
    }

    /// The integer format (int4, uint4, int8, uint8, ...).
    public let format: QuantFormat
    /// Whether the zero point is fixed at the middle of the range (0 for signed formats).
    public let symmetric: Bool
    /// The scale rule of symmetric grids.
    public let rule: SymmetricRule
    /// The lowest code.
    public let qmin: Int
    /// The highest code.
    public let qmax: Int

    /// A grid for an integer `format`; 8-bit floats are refused (`tensor` names the weight in the error).
    public init(format: QuantFormat, symmetric: Bool, rule: SymmetricRule = .extreme, tensor: String = "") throws {
        guard let range = format.integerRange() else {
            throw QuantizationError.invalidParameters(
                tensor: tensor, reason: "\(format) is not an integer format; low-bit weight grids are integer")
        }
        self.format = format
        self.symmetric = symmetric
        self.rule = rule
        qmin = range.lowerBound
        qmax = range.upperBound
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

    /// The code of `value` under `step`: `clamp(round(value · (1/scale)) + zeroPoint)`, half away from zero
    /// (rounded before the zero point is added, as ONNX Runtime's quantizer does: it decides ties).
    @inline(__always)
    public func code(_ value: Float, _ step: Step) -> Int {
        let shifted = (value * step.reciprocal).rounded(.toNearestOrAwayFromZero) + Float(step.zeroPoint)
        guard shifted == shifted else { return step.zeroPoint }
        return Int(Swift.min(Swift.max(shifted, Float(qmin)), Float(qmax)))
    }

    /// The real value of `code` under `step`, as DequantizeLinear computes it.
    @inline(__always)
    public func value(_ code: Int, _ step: Step) -> Float {
        Float(code - step.zeroPoint) * step.scale
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

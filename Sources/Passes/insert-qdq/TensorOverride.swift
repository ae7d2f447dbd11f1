import Calibration
import Quantization

/// What a quantization config file says about one tensor; nil fields leave the pass's choice.
public struct TensorOverride: Sendable, Equatable {
    /// `false` keeps the tensor in float wherever it would have been quantized.
    public var quantize: Bool?
    /// The format of this tensor's pair (activation) or quantized initializer (weight).
    public var format: QuantFormat?
    /// The range to quantize an activation with, instead of its calibrated one.
    public var range: CalibrationRange?
    /// The scale to quantize an activation with, instead of one computed from a range.
    public var scale: Float?
    /// The zero point that goes with `scale`.
    public var zeroPoint: Int?
    /// Whether this activation's range is made symmetric, instead of the pass's `symmetric-activations`.
    public var symmetric: Bool?

    /// Creates an override.
    public init(
        quantize: Bool? = nil, format: QuantFormat? = nil, range: CalibrationRange? = nil, scale: Float? = nil,
        zeroPoint: Int? = nil, symmetric: Bool? = nil
    ) {
        self.quantize = quantize
        self.format = format
        self.range = range
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.symmetric = symmetric
    }

    /// Why `zeroPoint` does not fit `format`, or nil.
    var zeroPointProblem: String? {
        guard let format, let zeroPoint else { return nil }
        if let range = format.integerRange() {
            guard range.contains(zeroPoint) else {
                return "zero point \(zeroPoint) is outside \(format) [\(range.lowerBound), \(range.upperBound)]"
            }
        } else if zeroPoint != 0 {
            return "zero point must be 0 for \(format)"
        }
        return nil
    }
}

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

    /// Creates an override.
    public init(
        quantize: Bool? = nil, format: QuantFormat? = nil, range: CalibrationRange? = nil, scale: Float? = nil,
        zeroPoint: Int? = nil
    ) {
        self.quantize = quantize
        self.format = format
        self.range = range
        self.scale = scale
        self.zeroPoint = zeroPoint
    }
}

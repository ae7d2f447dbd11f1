import Calibration

/// What `insert-qdq` decided for one tensor, and why; the report lists these.
public struct QuantizationDecision: Sendable, Equatable {
    /// The tensor's name in the input graph.
    public var tensor: String
    /// Whether a quantize/dequantize pair (or a quantized initializer) now stands for it.
    public var quantized: Bool
    /// The placement rule that decided, e.g. "tensorrt: input 0 of Conv 'conv1'" or "excluded by --exclude-op-types".
    public var rule: String
    /// The format, e.g. "int8", "float8e4m3fn", "int4"; nil when not quantized.
    public var format: String?
    /// One scale per tensor, per channel or per block.
    public var scales: [Float]
    /// The zero points as numbers (float8 zero points are 0).
    public var zeroPoints: [Double]
    /// The quantization axis for per-channel or per-block parameters.
    public var axis: Int?
    /// The block size for per-block parameters.
    public var blockSize: Int?
    /// The calibrated range used for an activation; nil for weights.
    public var calibratedRange: CalibrationRange?
    /// The calibration method behind that range, e.g. "minmax".
    public var calibrationMethod: String?

    /// Creates a decision.
    public init(
        tensor: String, quantized: Bool, rule: String, format: String? = nil, scales: [Float] = [],
        zeroPoints: [Double] = [], axis: Int? = nil, blockSize: Int? = nil,
        calibratedRange: CalibrationRange? = nil, calibrationMethod: String? = nil
    ) {
        self.tensor = tensor
        self.quantized = quantized
        self.rule = rule
        self.format = format
        self.scales = scales
        self.zeroPoints = zeroPoints
        self.axis = axis
        self.blockSize = blockSize
        self.calibratedRange = calibratedRange
        self.calibrationMethod = calibrationMethod
    }
}

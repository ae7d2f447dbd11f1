import Passes

/// One tensor the quantizing passes considered, from `PipelineSession.quantizationDecisions`.
public struct ReportTensor: Sendable, Equatable, Codable {
    /// The tensor's name in the input graph.
    public var tensor: String
    /// Whether it was quantized.
    public var quantized: Bool
    /// The placement rule that decided.
    public var rule: String
    /// The format, e.g. `int8`; nil when not quantized.
    public var format: String?
    /// The scales (one, per channel or per block).
    public var scales: [Double]
    /// The zero points.
    public var zeroPoints: [Double]
    /// The axis of per-channel or per-block parameters.
    public var axis: Int?
    /// The block size of per-block parameters.
    public var blockSize: Int?
    /// The calibrated range of an activation.
    public var calibratedRange: ReportRange?
    /// The calibration method behind that range.
    public var calibrationMethod: String?

    /// Creates the entry from a decision.
    public init(decision: QuantizationDecision) {
        tensor = decision.tensor
        quantized = decision.quantized
        rule = decision.rule
        format = decision.format
        scales = decision.scales.map(Double.init)
        zeroPoints = decision.zeroPoints
        axis = decision.axis
        blockSize = decision.blockSize
        calibratedRange = decision.calibratedRange.map { ReportRange(min: Double($0.min), max: Double($0.max)) }
        calibrationMethod = decision.calibrationMethod
    }
}

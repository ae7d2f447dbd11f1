/// What `--tune` measured of one setting: each graph output's SQNR and each logits tensor's (the input of a
/// Softmax/LogSoftmax/Sigmoid output, `TuningMeter`); the ranking takes both.
public struct TuningMeasurement: Sendable, Equatable {
    /// Per graph output, in graph order.
    public var outputs: [ReportOutputSQNR]
    /// Per logits tensor; empty for a model without a probability output.
    public var logits: [ReportOutputSQNR]

    /// Creates the measurement.
    public init(outputs: [ReportOutputSQNR], logits: [ReportOutputSQNR] = []) {
        self.outputs = outputs
        self.logits = logits
    }

    /// Everything the ranking compares.
    public var ranked: [ReportOutputSQNR] { outputs + logits }
}

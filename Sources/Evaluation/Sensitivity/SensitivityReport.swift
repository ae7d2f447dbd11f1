/// Sensitivity analysis of a quantized model: every quantized tensor's effect on the outputs, most sensitive first.
public struct SensitivityReport: Sendable, Equatable, Codable {
    /// The dataset path the samples came from.
    public var data: String
    /// The first sample index used.
    public var firstSample: Int
    /// One past the last sample index used.
    public var endSample: Int
    /// Each graph output's SQNR in dB with every tensor quantized, on the same samples.
    public var outputs: [ReportOutputSQNR]
    /// One entry per measured tensor, lowest `quantizedAloneSQNR` first (ties by graph position, then name).
    public var tensors: [TensorSensitivity]
    /// Quantized tensors not measured, with the reason.
    public var skipped: [SkippedSensitivityTensor]
    /// Every compute layer's multiply-accumulates per sample (first sample's shapes), by node name.
    public var layerMACs: [String: Int]
    /// Wall time of the analysis.
    public var seconds: Double

    /// The MACs of all compute layers per sample.
    public var totalMACs: Int { layerMACs.values.reduce(0, +) }

    /// Creates the report; `tensors` are sorted most sensitive first.
    public init(
        data: String, firstSample: Int, endSample: Int, outputs: [ReportOutputSQNR], tensors: [TensorSensitivity],
        skipped: [SkippedSensitivityTensor], layerMACs: [String: Int], seconds: Double
    ) {
        self.data = data
        self.firstSample = firstSample
        self.endSample = endSample
        self.outputs = outputs
        self.tensors = tensors.sorted {
            ($0.quantizedAloneSQNR, $0.position, $0.tensor) < ($1.quantizedAloneSQNR, $1.position, $1.tensor)
        }
        self.skipped = skipped
        self.layerMACs = layerMACs
        self.seconds = seconds
    }
}

/// One graph output's SQNR.
public struct ReportOutputSQNR: Sendable, Equatable, Codable {
    /// The graph output.
    public var output: String
    /// SQNR in dB against the float model.
    public var sqnr: Double

    /// Creates the entry.
    public init(output: String, sqnr: Double) {
        self.output = output
        self.sqnr = sqnr
    }
}

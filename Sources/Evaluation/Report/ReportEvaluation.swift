/// How close the quantized model's outputs are to the float model's, and on which samples.
public struct ReportEvaluation: Sendable, Equatable, Codable {
    /// Which samples were used: `eval-data`, `held-back-calibration`, `calibration` or `random`.
    public var source: String
    /// The dataset path (or `--calib-random`).
    public var data: String
    /// The indices of the samples used within that dataset, as a half-open range `[first, end)`.
    public var firstSample: Int
    /// One past the last sample used.
    public var endSample: Int
    /// A sentence for the reader, e.g. that the samples were also used for calibration.
    public var note: String
    /// Per graph output: SQNR, cosine similarity and maximum absolute error.
    public var outputs: [ReportOutputAccuracy]
    /// Both models' next-token perplexity on the same samples (`--perplexity`); nil when not measured.
    public var perplexity: PerplexityComparison?
    /// Every quantized tensor's effect on the outputs on the same samples (`--sensitivity`); nil when not measured.
    public var sensitivity: SensitivityReport?
    /// The quantized tensors inside If/Loop/Scan bodies with their SQNR; nil for a model without any.
    public var bodyTensors: [ReportBodyTensor]?

    /// Creates the entry.
    public init(
        source: String, data: String, firstSample: Int, endSample: Int, note: String, outputs: [ReportOutputAccuracy],
        perplexity: PerplexityComparison? = nil, sensitivity: SensitivityReport? = nil
    ) {
        self.source = source
        self.data = data
        self.firstSample = firstSample
        self.endSample = endSample
        self.note = note
        self.outputs = outputs
        self.perplexity = perplexity
        self.sensitivity = sensitivity
    }
}

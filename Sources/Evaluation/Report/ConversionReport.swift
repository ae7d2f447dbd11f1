import Passes

/// What `qdqc convert --report FILE.json` writes (schema: schemas/report.schema.json).
///
/// Everything but the fields named `seconds` is a function of the input model, the data and the
/// options, so two runs of the same conversion give the same report apart from those.
public struct ConversionReport: Sendable, Equatable, Codable {
    /// The report format's version; bumped when a field changes meaning.
    public var schemaVersion = 1
    /// The qdqc version that wrote it.
    public var qdqcVersion: String
    /// The command line as given (arguments after the program name).
    public var commandLine: [String]
    /// The input model: its path as given and the SHA-256 of its bytes.
    public var input: ReportFile
    /// The output model path and whether it was written.
    public var output: ReportOutput
    /// The pipeline as run, in pipeline text syntax.
    public var pipeline: String
    /// One record per pass, in order.
    public var passes: [ReportPass]
    /// Time spent verifying the IR between passes.
    public var verifierSeconds: Double
    /// What the quantizing passes decided per tensor (quantized or skipped, and why).
    public var tensors: [ReportTensor]
    /// What `smooth-quant` did per smoothed activation (alpha, where `1/s` went); empty without it.
    public var smoothing: [SmoothingRecord]
    /// Accuracy of the quantized model's outputs against the float model; nil when not measured.
    public var evaluation: ReportEvaluation?
    /// The CI gate's checks and verdict; nil when no bar was set.
    public var gate: ReportGate?
    /// What `--mixed-precision` raised to reach the gate's bars; nil without it.
    public var mixedPrecision: MixedPrecisionReport?
    /// What `--tune` tried, measured and chose; nil without it.
    public var tuning: TuningReport?

    /// Creates a report.
    public init(
        qdqcVersion: String, commandLine: [String], input: ReportFile, output: ReportOutput, pipeline: String,
        passes: [ReportPass], verifierSeconds: Double, tensors: [ReportTensor], smoothing: [SmoothingRecord],
        evaluation: ReportEvaluation?, gate: ReportGate?
    ) {
        self.qdqcVersion = qdqcVersion
        self.commandLine = commandLine
        self.input = input
        self.output = output
        self.pipeline = pipeline
        self.passes = passes
        self.verifierSeconds = verifierSeconds
        self.tensors = tensors
        self.smoothing = smoothing
        self.evaluation = evaluation
        self.gate = gate
    }
}

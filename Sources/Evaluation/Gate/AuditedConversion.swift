import Calibration
import OnnxIR
import Passes

/// One conversion as the audit sees it: the models, the paths the user gave, the pipeline run and its data.
public struct AuditedConversion {
    /// The input (float) model's path as given.
    public var inputPath: String
    /// The output model's path as given.
    public var outputPath: String
    /// The pipeline's result, not yet written.
    public var quantized: Model
    /// Reads the float model again (the pipeline changed the one it ran on in place).
    public var readFloat: () throws -> Model
    /// Writes `quantized` to the path it is given, as the output will be written (for `--metric`).
    public var writeQuantized: (String) throws -> Void
    /// The pipeline as run.
    public var pipeline: Pipeline
    /// What the pass manager recorded.
    public var pipelineReport: PipelineReport
    /// What the passes handed on (quantization decisions, smoothing records).
    public var session: PipelineSession
    /// The calibration samples, which evaluation falls back on without `--eval-data`.
    public var calibrationData: CalibrationDataSource?
    /// The command line (arguments after the program name), for the report.
    public var commandLine: [String]
    /// The qdqc version, for the report.
    public var qdqcVersion: String
    /// What `--tune` tried and chose; nil without it.
    public var tuning: TuningReport?

    /// Creates the description of a conversion.
    public init(
        inputPath: String, outputPath: String, quantized: Model, readFloat: @escaping () throws -> Model,
        writeQuantized: @escaping (String) throws -> Void, pipeline: Pipeline, pipelineReport: PipelineReport,
        session: PipelineSession, calibrationData: CalibrationDataSource?, commandLine: [String], qdqcVersion: String
    ) {
        self.inputPath = inputPath
        self.outputPath = outputPath
        self.quantized = quantized
        self.readFloat = readFloat
        self.writeQuantized = writeQuantized
        self.pipeline = pipeline
        self.pipelineReport = pipelineReport
        self.session = session
        self.calibrationData = calibrationData
        self.commandLine = commandLine
        self.qdqcVersion = qdqcVersion
    }
}

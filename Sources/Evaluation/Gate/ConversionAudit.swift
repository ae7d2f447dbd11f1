import Calibration

/// The accuracy side of a conversion: measures the quantized model's outputs against the float model,
/// checks the accuracy gate and prepares the report.
///
/// Runs after the pipeline and before the output is written, so a failed gate leaves no output behind.
public struct ConversionAudit {
    /// Where the report goes (`--report`); nil writes none.
    public var reportPath: String?
    /// The samples to measure on (`--eval-data`); nil falls back on calibration samples (`EvaluationPlan`).
    public var evalData: String?
    /// Measure on at most this many samples (`--eval-samples`).
    public var evalSamples: Int?
    /// The bars the quantized model must meet.
    public var gate: AccuracyGate
    /// Next-token perplexity to measure on the same samples (`--perplexity`); nil measures none.
    public var perplexity: PerplexitySettings?

    /// Creates the audit.
    public init(
        reportPath: String?, evalData: String?, evalSamples: Int?, gate: AccuracyGate,
        perplexity: PerplexitySettings? = nil
    ) {
        self.reportPath = reportPath
        self.evalData = evalData
        self.evalSamples = evalSamples
        self.gate = gate
        self.perplexity = perplexity
    }

    /// Measures `conversion`, checks the gate and prepares the report; does nothing without a report, a bar
    /// or perplexity to measure.
    public func run(_ conversion: AuditedConversion) throws -> AuditVerdict {
        guard reportPath != nil || gate.isActive || perplexity != nil else {
            return AuditVerdict(writeOutput: true, evaluation: nil, failure: nil, report: nil, reportPath: nil)
        }
        let evaluation = try evaluate(conversion)
        if perplexity != nil, evaluation == nil { throw ConversionAuditError.noPerplexityData }
        var checks = try gate.sqnrChecks(evaluation, model: conversion.inputPath)
        if let check = try gate.perplexityCheck(evaluation) { checks.append(check) }
        if let check = try gate.dropCheck(
            floatPath: conversion.inputPath, outputPath: conversion.outputPath,
            writeQuantized: conversion.writeQuantized)
        {
            checks.append(check)
        }
        let failure = gate.failure(of: checks, model: conversion.inputPath, output: conversion.outputPath)
        var report: ConversionReport?
        if reportPath != nil {
            report = ConversionReport(
                qdqcVersion: conversion.qdqcVersion, commandLine: conversion.commandLine,
                input: ReportFile(path: conversion.inputPath, sha256: try Self.hash(conversion.inputPath)),
                output: ReportOutput(path: conversion.outputPath, written: false),
                pipeline: conversion.pipeline.description,
                passes: conversion.pipelineReport.records.map(ReportPass.init(record:)),
                verifierSeconds: conversion.pipelineReport.verifierDuration.seconds,
                tensors: conversion.session.quantizationDecisions.map(ReportTensor.init(decision:)),
                smoothing: conversion.session.smoothing, evaluation: evaluation,
                gate: gate.isActive ? ReportGate(checks: checks) : nil)
        }
        return AuditVerdict(
            writeOutput: failure == nil || gate.keepOnFailure, evaluation: evaluation, failure: failure,
            report: report, reportPath: reportPath)
    }

    /// Output accuracy on the evaluation plan's samples; nil when there is no data to measure on.
    private func evaluate(_ conversion: AuditedConversion) throws -> ReportEvaluation? {
        let float = try conversion.readFloat()
        let plan: EvaluationPlan?
        do {
            plan = try EvaluationPlan.make(
                model: float, evalData: evalData, evalSamples: evalSamples, calibration: conversion.calibrationData)
        } catch {
            throw ConversionAuditError.file(path: evalData ?? "--calib-data", reason: "\(error)")
        }
        guard let plan else { return nil }
        do {
            return try plan.evaluate(
                float: float, floatName: conversion.inputPath, quantized: conversion.quantized,
                quantizedName: conversion.outputPath, perplexity: perplexity)
        } catch let error as PerplexityError {
            // Already one line naming the tensor and the model or data file.
            throw ConversionAuditError.perplexityFailed(reason: error.description)
        } catch {
            throw ConversionAuditError.measuringFailed(data: plan.data, reason: "\(error)")
        }
    }

    private static func hash(_ path: String) throws -> String {
        do {
            return try SHA256Digest.hex(ofFileAt: path)
        } catch {
            throw ConversionAuditError.file(path: path, reason: "\(error)")
        }
    }
}

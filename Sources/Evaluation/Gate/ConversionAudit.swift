import Calibration
import OnnxIR
import Passes

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
    /// Whether to measure every quantized tensor's sensitivity on the same samples (`--sensitivity`).
    public var sensitivity: Bool

    /// Creates the audit.
    public init(
        reportPath: String?, evalData: String?, evalSamples: Int?, gate: AccuracyGate,
        perplexity: PerplexitySettings? = nil, sensitivity: Bool = false
    ) {
        self.reportPath = reportPath
        self.evalData = evalData
        self.evalSamples = evalSamples
        self.gate = gate
        self.perplexity = perplexity
        self.sensitivity = sensitivity
    }

    /// Measures `conversion`, checks the gate and prepares the report; does nothing without a report, a bar,
    /// perplexity or sensitivity to measure.
    public func run(_ conversion: AuditedConversion) throws -> AuditVerdict {
        guard reportPath != nil || gate.isActive || perplexity != nil || sensitivity else {
            return AuditVerdict(writeOutput: true, evaluation: nil, failure: nil, report: nil, reportPath: nil)
        }
        let mixedPrecision = try gate.mixedPrecision ? raiseToTarget(conversion) : nil
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
            report?.mixedPrecision = mixedPrecision
            report?.tuning = conversion.tuning
        }
        return AuditVerdict(
            writeOutput: failure == nil || gate.keepOnFailure, evaluation: evaluation, failure: failure,
            report: report, reportPath: reportPath, mixedPrecision: mixedPrecision)
    }

    /// `--mixed-precision`: raises the most sensitive tensors of `conversion.quantized` (in place) until the
    /// gate's bars (`--min-sqnr` or `--max-perplexity-increase`, and `--max-drop`) hold on the evaluation samples
    /// or `--max-wide-fraction` stops it.
    private func raiseToTarget(_ conversion: AuditedConversion) throws -> MixedPrecisionReport {
        let (float, plan) = try floatModelAndPlan(conversion)
        guard let plan else { throw ConversionAuditError.noEvaluationData }
        // 16-bit activation pairs only where the target's engine runs them (TensorRT takes 8-bit pairs only).
        let target = conversion.session.quantizationTarget.flatMap(QuantizationTarget.named)
        let widens = target?.consumes16BitActivations ?? true
        if gate.maxPerplexityIncrease != nil, perplexity == nil { throw ConversionAuditError.perplexityNotMeasured }
        let search = MixedPrecisionSearch(
            minSQNR: gate.minSQNR, maxWideFraction: gate.maxWideFraction, allowsWideActivations: widens,
            wideActivationNote: widens
                ? nil
                : "target \(target?.name ?? "?") takes no 16-bit activation pairs: raised activations are left float",
            allowsFloat8: gate.mixedFloat8, perplexity: perplexity, maxPerplexityIncrease: gate.maxPerplexityIncrease)
        let gate = self.gate
        let metric: (() throws -> Bool)? =
            gate.maxDrop == nil
            ? nil
            : {
                try gate.dropCheck(
                    floatPath: conversion.inputPath, outputPath: conversion.outputPath,
                    writeQuantized: conversion.writeQuantized)?.passed ?? true
            }
        do {
            return try search.run(
                float: float, floatName: conversion.inputPath, quantized: conversion.quantized,
                quantizedName: conversion.outputPath, plan: plan, metricPasses: metric)
        } catch let error as ConversionAuditError {
            throw error
        } catch let error as PerplexityError {
            throw ConversionAuditError.perplexityFailed(reason: error.description)
        } catch {
            throw ConversionAuditError.measuringFailed(data: plan.data, reason: "--mixed-precision: \(error)")
        }
    }

    /// The float model, read again, and the samples to measure on (nil when there are none).
    private func floatModelAndPlan(_ conversion: AuditedConversion) throws -> (Model, EvaluationPlan?) {
        let float = try conversion.readFloat()
        do {
            return (
                float,
                try EvaluationPlan.make(
                    model: float, evalData: evalData, evalSamples: evalSamples, calibration: conversion.calibrationData)
            )
        } catch {
            throw ConversionAuditError.file(path: evalData ?? "--calib-data", reason: "\(error)")
        }
    }

    /// Output accuracy on the evaluation plan's samples; nil when there is no data to measure on.
    private func evaluate(_ conversion: AuditedConversion) throws -> ReportEvaluation? {
        let (float, plan) = try floatModelAndPlan(conversion)
        guard let plan else {
            if sensitivity { throw ConversionAuditError.noSensitivityData }
            return nil
        }
        do {
            var evaluation = try plan.evaluate(
                float: float, floatName: conversion.inputPath, quantized: conversion.quantized,
                quantizedName: conversion.outputPath, perplexity: perplexity)
            if sensitivity {
                evaluation.sensitivity = try plan.sensitivity(
                    float: float, floatName: conversion.inputPath, quantized: conversion.quantized,
                    quantizedName: conversion.outputPath)
            }
            return evaluation
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

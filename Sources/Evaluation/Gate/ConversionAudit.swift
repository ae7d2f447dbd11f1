import Calibration
import Foundation
import OnnxIO
import OnnxIR
import Passes

/// The accuracy side of `convert`: measures the quantized outputs against the float model, checks the
/// gate, and writes the report. Runs after the pipeline and before the output is written, so a failed
/// gate leaves no output behind.
struct ConversionAudit {
    /// What `finish` needs after the output was (or was not) written.
    struct Verdict {
        /// Whether the output model should be written.
        let writeOutput: Bool
        fileprivate let report: ConversionReport?
        fileprivate let reportPath: String?
        fileprivate let failure: AccuracyGateFailure?

        /// Writes the report (recording whether the output was written) and throws a failed gate.
        func finish(outputWritten: Bool) throws {
            if var report, let reportPath {
                report.output.written = outputWritten
                do {
                    try AtomicFile.write(try ReportJSON.encode(report), to: reportPath)
                } catch {
                    throw CLIError(path: reportPath, error)
                }
            }
            if let failure { throw failure }
        }
    }

    let report: ReportOptions
    let gate: AccuracyGateOptions

    /// Measures, checks the gate and prepares the report; `command` supplies paths and write options.
    func run(
        command: ConvertCommand, quantized: Model, pipeline: Pipeline, pipelineReport: PipelineReport,
        context: PassContext
    ) throws -> Verdict {
        guard report.path != nil || gate.isActive else {
            return Verdict(writeOutput: true, report: nil, reportPath: nil, failure: nil)
        }
        let evaluation = try evaluate(command: command, quantized: quantized, context: context)
        var checks: [ReportGateCheck] = []
        if let bar = gate.minSQNR {
            guard let evaluation else {
                throw CLIError(
                    path: "--min-sqnr", message: "needs samples to measure on: give --eval-data or --calib-data")
            }
            guard !evaluation.outputs.isEmpty else {
                throw CLIError(path: command.model, message: "no graph output could be compared for --min-sqnr")
            }
            for output in evaluation.outputs {
                checks.append(
                    ReportGateCheck(
                        check: "min-sqnr", subject: output.output, value: output.sqnr, bar: bar,
                        passed: output.sqnr >= bar))
            }
        }
        if let bar = gate.maxDrop, let metric = gate.metric {
            checks.append(try metricCheck(metric, bar: bar, command: command, quantized: quantized))
        }
        let gateResult = gate.isActive ? ReportGate(checks: checks) : nil
        let failed = checks.filter { !$0.passed }
        var failure: AccuracyGateFailure?
        if !failed.isEmpty {
            let reasons = failed.map(Self.describe).joined(separator: "; ")
            let kept = gate.keepOnFailure ? "written anyway (--keep-on-failure)" : "not written"
            failure = AccuracyGateFailure(
                description: "\(command.model): accuracy gate failed: \(reasons); \(command.output) \(kept)")
        }
        if !command.quiet {
            for output in evaluation?.outputs ?? [] {
                StandardError.write(
                    "accuracy: output '\(output.output)': SQNR \(String(format: "%.2f", output.sqnr)) dB, cosine "
                        + "\(String(format: "%.6f", output.cosine)), max abs error "
                        + "\(String(format: "%.4g", output.maxAbsError)) (\(evaluation?.source ?? ""))\n")
            }
        }
        var conversionReport: ConversionReport?
        if report.path != nil {
            conversionReport = ConversionReport(
                qdqcVersion: QdqcVersion.current, commandLine: Array(CommandLine.arguments.dropFirst()),
                input: ReportFile(path: command.model, sha256: try Self.hash(command.model)),
                output: ReportOutput(path: command.output, written: false), pipeline: pipeline.description,
                passes: pipelineReport.records.map(ReportPass.init(record:)),
                verifierSeconds: pipelineReport.verifierDuration.seconds,
                tensors: context.session.quantizationDecisions.map(ReportTensor.init(decision:)),
                smoothing: context.session.smoothing, evaluation: evaluation, gate: gateResult)
        }
        return Verdict(
            writeOutput: failure == nil || gate.keepOnFailure, report: conversionReport, reportPath: report.path,
            failure: failure)
    }

    /// Output accuracy on the evaluation plan's samples; nil when there is no data to measure on.
    private func evaluate(command: ConvertCommand, quantized: Model, context: PassContext) throws -> ReportEvaluation? {
        let float = try ModelLoader.load(path: command.model)
        let plan: EvaluationPlan?
        do {
            plan = try EvaluationPlan.make(
                model: float, evalData: report.evalData, evalSamples: report.evalSamples,
                calibration: context.calibrationData)
        } catch {
            throw CLIError(path: report.evalData ?? "--calib-data", error)
        }
        guard let plan else { return nil }
        do {
            return try plan.evaluate(
                float: float, floatName: command.model, quantized: quantized, quantizedName: command.output)
        } catch {
            throw CLIError(path: plan.data, message: "measuring accuracy: \(error)")
        }
    }

    /// Runs the metric on the float model and on the quantized model (written to a temporary folder).
    private func metricCheck(_ template: String, bar: Double, command: ConvertCommand, quantized: Model) throws
        -> ReportGateCheck
    {
        let metric = MetricCommand(template: template)
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("qdqc-metric-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw CLIError(path: folder.path, error)
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let candidate = folder.appendingPathComponent((command.output as NSString).lastPathComponent).path
        do {
            _ = try command.modelOutput(at: candidate).write(quantized)
        } catch {
            throw CLIError(path: candidate, error)
        }
        let floatValue = try metric.value(for: command.model)
        let quantizedValue = try metric.value(for: candidate)
        let drop = floatValue - quantizedValue
        return ReportGateCheck(
            check: "max-drop", subject: template, value: drop, bar: bar, passed: drop <= bar,
            floatMetric: floatValue, quantizedMetric: quantizedValue)
    }

    private static func describe(_ check: ReportGateCheck) -> String {
        if check.check == "min-sqnr" {
            return "output '\(check.subject)' SQNR \(String(format: "%.2f", check.value)) dB < --min-sqnr "
                + "\(String(format: "%g", check.bar))"
        }
        return "metric dropped by \(String(format: "%g", check.value)) (float \(check.floatMetric ?? .nan), "
            + "quantized \(check.quantizedMetric ?? .nan)) > --max-drop \(String(format: "%g", check.bar))"
    }

    private static func hash(_ path: String) throws -> String {
        do {
            return try SHA256.hexDigest(ofFileAt: path)
        } catch {
            throw CLIError(path: path, error)
        }
    }
}

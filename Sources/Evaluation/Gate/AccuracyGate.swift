import Foundation

/// The bars a quantized model must meet before it is written (`--min-sqnr`, `--max-drop` with
/// `--metric`, `--max-perplexity-increase`), and the checks that compare measurements with them.
public struct AccuracyGate: Sendable, Equatable {
    /// The lowest SQNR in dB every graph output may have; nil sets no bar.
    public var minSQNR: Double?
    /// The largest drop of `metric` (float minus quantized) allowed; nil sets no bar.
    public var maxDrop: Double?
    /// The shell command that prints a number for the model at `MetricCommand.placeholder`.
    public var metric: String?
    /// The largest relative increase of next-token perplexity allowed (0.05: 5% above the float model's);
    /// nil sets no bar. Measured as `ConversionAudit.perplexity` says.
    public var maxPerplexityIncrease: Double?
    /// Whether the output is written even when a check fails.
    public var keepOnFailure: Bool
    /// Seconds one run of `metric` may take (`--metric-timeout`).
    public var metricTimeout: Double
    /// Whether the bars are targets to reach by raising sensitive tensors to a wider format (`--mixed-precision`).
    public var mixedPrecision: Bool
    /// With `mixedPrecision`: the largest fraction of compute-layer MACs that may run wide, or, in a model whose
    /// only quantized tensors are weights (weight-only), of the quantized weights' bytes that may be stored wide.
    public var maxWideFraction: Double
    /// With `mixedPrecision`: whether int8/uint8 pairs may also move to FP8 E4M3 (`--mixed-fp8`).
    public var mixedFloat8: Bool

    /// The default of `maxWideFraction` (`--max-wide-fraction`).
    public static let defaultMaxWideFraction = 0.1

    /// Creates the gate; without bars it checks nothing.
    public init(
        minSQNR: Double? = nil, maxDrop: Double? = nil, metric: String? = nil, maxPerplexityIncrease: Double? = nil,
        keepOnFailure: Bool = false, metricTimeout: Double = MetricCommand.defaultTimeout, mixedPrecision: Bool = false,
        maxWideFraction: Double = AccuracyGate.defaultMaxWideFraction, mixedFloat8: Bool = false
    ) {
        self.minSQNR = minSQNR
        self.maxDrop = maxDrop
        self.metric = metric
        self.maxPerplexityIncrease = maxPerplexityIncrease
        self.keepOnFailure = keepOnFailure
        self.metricTimeout = metricTimeout
        self.mixedPrecision = mixedPrecision
        self.maxWideFraction = maxWideFraction
        self.mixedFloat8 = mixedFloat8
    }

    /// Whether any bar is set.
    public var isActive: Bool { minSQNR != nil || maxDrop != nil || maxPerplexityIncrease != nil }

    /// What is wrong with these settings as the user gave them (flag names in the text); nil when nothing is.
    public var problem: String? {
        if maxDrop != nil, metric == nil { return "--max-drop needs --metric 'COMMAND {model}'" }
        if metric != nil, maxDrop == nil { return "--metric is used by --max-drop; give both" }
        if let metric, !metric.contains(MetricCommand.placeholder) {
            return "--metric must contain \(MetricCommand.placeholder) where the model path goes"
        }
        if let minSQNR, !minSQNR.isFinite { return "--min-sqnr must be a finite number" }
        if let maxDrop, !maxDrop.isFinite { return "--max-drop must be a finite number" }
        if let maxPerplexityIncrease, !(maxPerplexityIncrease.isFinite && maxPerplexityIncrease >= 0) {
            return "--max-perplexity-increase must be a finite number at least 0 (0.05 allows 5% more)"
        }
        if !(metricTimeout > 0 && metricTimeout <= 1e9) {
            return "--metric-timeout must be a number of seconds above 0"
        }
        if mixedPrecision, minSQNR == nil, maxDrop == nil, maxPerplexityIncrease == nil {
            return "--mixed-precision turns --min-sqnr, --max-drop or --max-perplexity-increase into a target: "
                + "give one of them"
        }
        if mixedPrecision, minSQNR != nil, maxPerplexityIncrease != nil {
            return "--mixed-precision reaches --min-sqnr or --max-perplexity-increase, not both: give one of them"
        }
        if mixedFloat8, !mixedPrecision { return "--mixed-fp8 needs --mixed-precision" }
        if !(maxWideFraction >= 0 && maxWideFraction <= 1) {
            return "--max-wide-fraction must be a number from 0 to 1 (0.1: 10% of the MACs, or of the weight bytes)"
        }
        if keepOnFailure, !isActive {
            return "--keep-on-failure needs --min-sqnr, --max-drop or --max-perplexity-increase"
        }
        return nil
    }

    /// One `min-sqnr` check per graph output of `evaluation`; none without a bar.
    ///
    /// A bar without samples to measure on, or with no output compared, is an error naming `model`.
    public func sqnrChecks(_ evaluation: ReportEvaluation?, model: String) throws -> [ReportGateCheck] {
        guard let bar = minSQNR else { return [] }
        guard let evaluation else { throw ConversionAuditError.noEvaluationData }
        guard !evaluation.outputs.isEmpty else { throw ConversionAuditError.noComparableOutput(model: model) }
        return evaluation.outputs.map { output in
            ReportGateCheck(
                check: "min-sqnr", subject: output.output, value: output.sqnr, bar: bar, passed: output.sqnr >= bar)
        }
    }

    /// The `max-perplexity-increase` check on `evaluation`'s perplexity; nil without a bar.
    ///
    /// A bar without samples to measure on is an error; so is one without perplexity settings (a caller's slip).
    public func perplexityCheck(_ evaluation: ReportEvaluation?) throws -> ReportGateCheck? {
        guard let bar = maxPerplexityIncrease else { return nil }
        guard let evaluation else { throw ConversionAuditError.noPerplexityData }
        guard let perplexity = evaluation.perplexity else { throw ConversionAuditError.perplexityNotMeasured }
        return ReportGateCheck(
            check: "max-perplexity-increase", subject: perplexity.tokens, value: perplexity.relativeIncrease, bar: bar,
            passed: perplexity.relativeIncrease <= bar, floatMetric: perplexity.float,
            quantizedMetric: perplexity.quantized)
    }

    /// The `max-drop` check: the metric on `floatPath` and on the quantized model, which `writeQuantized`
    /// writes to the path it is given (in a temporary folder, named like `outputPath`); nil without a bar.
    public func dropCheck(floatPath: String, outputPath: String, writeQuantized: (String) throws -> Void) throws
        -> ReportGateCheck?
    {
        guard let bar = maxDrop, let template = metric else { return nil }
        let metric = MetricCommand(template: template, timeout: metricTimeout)
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("qdqc-metric-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ConversionAuditError.file(path: folder.path, reason: "\(error)")
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let candidate = folder.appendingPathComponent((outputPath as NSString).lastPathComponent).path
        do {
            try writeQuantized(candidate)
        } catch {
            throw ConversionAuditError.file(path: candidate, reason: "\(error)")
        }
        let floatValue = try metric.value(for: floatPath)
        let quantizedValue = try metric.value(for: candidate)
        let drop = floatValue - quantizedValue
        return ReportGateCheck(
            check: "max-drop", subject: template, value: drop, bar: bar, passed: drop <= bar,
            floatMetric: floatValue, quantizedMetric: quantizedValue)
    }

    /// The failure `checks` amount to for the conversion of `model` into `output`; nil when every check passed.
    public func failure(of checks: [ReportGateCheck], model: String, output: String) -> AccuracyGateFailure? {
        let failed = checks.filter { !$0.passed }
        guard !failed.isEmpty else { return nil }
        let reasons = failed.map(Self.describe).joined(separator: "; ")
        let kept = keepOnFailure ? "written anyway (--keep-on-failure)" : "not written"
        return AccuracyGateFailure(description: "\(model): accuracy gate failed: \(reasons); \(output) \(kept)")
    }

    private static func describe(_ check: ReportGateCheck) -> String {
        if check.check == "min-sqnr" {
            return "output '\(check.subject)' SQNR \(String(format: "%.2f", check.value)) dB < --min-sqnr "
                + "\(String(format: "%g", check.bar))"
        }
        if check.check == "max-perplexity-increase" {
            return "perplexity '\(check.subject)' rose by \(String(format: "%.2f", check.value * 100))% (float "
                + "\(String(format: "%.2f", check.floatMetric ?? .nan)), quantized "
                + "\(String(format: "%.2f", check.quantizedMetric ?? .nan))) > --max-perplexity-increase "
                + "\(String(format: "%g", check.bar))"
        }
        return "metric dropped by \(String(format: "%g", check.value)) (float \(check.floatMetric ?? .nan), "
            + "quantized \(check.quantizedMetric ?? .nan)) > --max-drop \(String(format: "%g", check.bar))"
    }
}

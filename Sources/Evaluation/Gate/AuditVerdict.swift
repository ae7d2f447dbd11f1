import OnnxIO

/// The audit's outcome: whether to write the output, what was measured, and the report still to write.
public struct AuditVerdict {
    /// Whether the output model should be written (the gate passed, or `keepOnFailure`).
    public let writeOutput: Bool
    /// The output accuracy measured; nil when nothing was measured.
    public let evaluation: ReportEvaluation?
    /// The failed gate, thrown by `finish`; nil when it passed or had no bar.
    public let failure: AccuracyGateFailure?
    let report: ConversionReport?
    let reportPath: String?
    /// What `--mixed-precision` raised; nil without it.
    public var mixedPrecision: MixedPrecisionReport? = nil

    /// Writes the report (recording whether the output was written), then throws a failed gate's `AccuracyGateFailure`.
    public func finish(outputWritten: Bool) throws {
        if var report, let reportPath {
            report.output.written = outputWritten
            do {
                try AtomicFile.write(try ReportJSON.encode(report), to: reportPath)
            } catch {
                throw ConversionAuditError.file(path: reportPath, reason: "\(error)")
            }
        }
        if let failure { throw failure }
    }
}

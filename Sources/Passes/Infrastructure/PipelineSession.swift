import Calibration

/// What the passes of one pipeline run hand to each other and to the report.
///
/// A reference type on purpose: every pass of a run sees the same session through its
/// `PassContext`, and a new run starts with a new one, so nothing leaks between runs.
///
/// What a pass reads from here (the calibration table, the target) it can also be given by an
/// option naming it (`insert-qdq{table=...}`, `cleanup-qdq{target=...}`): such a pass conforms to
/// `SessionReadingPass`, so a reproducer, which starts a fresh run, writes the state out as those
/// options. The decisions and smoothing records are only read by the report, never by a pass.
public final class PipelineSession {
    /// The calibrated ranges, set by `calibrate` (or loaded from a reused table) for later passes.
    public var calibrationTable: CalibrationTable?
    /// Per tensor, what `insert-qdq` did and why, in the order it decided.
    public var quantizationDecisions: [QuantizationDecision] = []
    /// The pairs the input model already held, read by `import-qdq`; `insert-qdq` keeps their parameters.
    public var foreignQuantization = ForeignQuantization()
    /// Per smoothed activation, what `smooth-quant` did (alpha, where `1/s` went), in graph order.
    public var smoothing: [SmoothingRecord] = []

    /// The target `insert-qdq` placed pairs for, so that `cleanup-qdq{target=auto}` follows it.
    public var quantizationTarget: String?

    /// The first check of a `method=auto` table against its minmax form in this run, and the table it checked:
    /// later quantizations of the same table (the trial copies of `round-weights` and `correct-bias`, then
    /// `insert-qdq` itself) use that choice, so weights rounded or biases corrected for one set of ranges are
    /// never quantized with the other.
    var autoRangeCheck: (table: CalibrationTable, outcome: AutoRangeCheck.Outcome)?

    /// Creates an empty session.
    public init() {}

    /// A session holding what this one holds, for a run that continues from this run's state (`--tune` runs the
    /// passes after `calibrate` several times from one calibrated model).
    public func copy() -> PipelineSession {
        let copy = PipelineSession()
        copy.calibrationTable = calibrationTable
        copy.quantizationDecisions = quantizationDecisions
        copy.foreignQuantization = foreignQuantization
        copy.smoothing = smoothing
        copy.quantizationTarget = quantizationTarget
        copy.autoRangeCheck = autoRangeCheck
        return copy
    }
}

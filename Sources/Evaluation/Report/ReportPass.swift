import Passes

/// One pass of the pipeline as it ran.
public struct ReportPass: Sendable, Equatable, Codable {
    /// 1-based position in the pipeline.
    public var position: Int
    /// The pass's argument, e.g. `insert-qdq`.
    public var pass: String
    /// The pipeline element with its options, e.g. `calibrate{method=entropy}`.
    public var element: String
    /// Whether the pass changed the model.
    public var changed: Bool
    /// The pass's counters.
    public var statistics: [String: Int]
    /// Wall time of the pass (the only field that differs between identical runs, with `verifierSeconds`).
    public var seconds: Double

    /// Creates the entry from a pass manager record.
    public init(record: PassRunRecord) {
        position = record.position
        pass = record.argument
        element = record.element
        changed = record.changed
        statistics = record.statistics
        seconds = record.duration.seconds
    }
}

/// The outcome of running a pipeline: one record per pass, in order.
public struct PipelineReport: Sendable, Equatable {
    /// One record per pass.
    public var records: [PassRunRecord]
    /// Time spent verifying the IR after the passes.
    public var verifierDuration: Duration

    /// Creates a report.
    public init(records: [PassRunRecord], verifierDuration: Duration) {
        self.records = records
        self.verifierDuration = verifierDuration
    }

    /// Whether any pass changed the model.
    public var changed: Bool { records.contains { $0.changed } }
}

/// What one pass did within a pipeline run.
public struct PassRunRecord: Sendable, Equatable {
    /// The pipeline element as text (`name` or `name{options}`).
    public var element: String
    /// The pass's argument.
    public var argument: String
    /// 1-based position in the pipeline.
    public var position: Int
    /// Whether the pass changed the model.
    public var changed: Bool
    /// The pass's counters.
    public var statistics: [String: Int]
    /// Time spent in the pass (not counting verification or instrumentation).
    public var duration: Duration

    /// Creates a record.
    public init(
        element: String, argument: String, position: Int, changed: Bool, statistics: [String: Int],
        duration: Duration
    ) {
        self.element = element
        self.argument = argument
        self.position = position
        self.changed = changed
        self.statistics = statistics
        self.duration = duration
    }

    /// `key=value` pairs sorted by key, or `none`.
    public var statisticsSummary: String {
        if statistics.isEmpty { return "none" }
        return statistics.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }
}

/// What one run of a pass did: whether the model changed and counters worth reporting.
public struct PassResult: Sendable, Equatable {
    /// Whether the pass changed the model in any way.
    public var changed: Bool
    /// Named counters (kebab-case names), shown by `--pass-statistics` and in dumps.
    public var statistics: [String: Int]

    /// Creates a result.
    public init(changed: Bool, statistics: [String: Int] = [:]) {
        self.changed = changed
        self.statistics = statistics
    }

    /// A run that changed nothing and counted nothing.
    public static let unchanged = PassResult(changed: false)
}

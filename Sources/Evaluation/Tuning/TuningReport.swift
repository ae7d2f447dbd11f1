/// What `--tune` tried, measured and chose (the report's `tuning` entry).
public struct TuningReport: Sendable, Equatable, Codable {
    /// How settings are ranked (`TuningObjective.description`).
    public var objective: String
    /// The most conversions the search could make (`--tune-budget`).
    public var budget: Int
    /// The conversions it made (the trials not skipped).
    public var conversions: Int
    /// Why the search stopped: `no-improvement` (no neighbour of the best setting ranks above it), or `budget`.
    public var stoppedBy: String
    /// The user's own settings, where the search started.
    public var start: TuningSetting
    /// The setting the written model was converted with.
    public var chosen: TuningSetting
    /// The flags that give `chosen` without `--tune`.
    public var chosenFlags: [String]
    /// Why `chosen` was chosen, in a sentence.
    public var reason: String
    /// Every setting tried, in order.
    public var trials: [TuningTrial]
    /// The whole search's time.
    public var seconds: Double

    /// Creates the report.
    public init(
        objective: String, budget: Int, conversions: Int, stoppedBy: String, start: TuningSetting,
        chosen: TuningSetting, reason: String, trials: [TuningTrial], seconds: Double
    ) {
        self.objective = objective
        self.budget = budget
        self.conversions = conversions
        self.stoppedBy = stoppedBy
        self.start = start
        self.chosen = chosen
        chosenFlags = chosen.flags
        self.reason = reason
        self.trials = trials
        self.seconds = seconds
    }
}

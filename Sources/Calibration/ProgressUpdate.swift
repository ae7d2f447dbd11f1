/// How far a long-running task (calibration, profiling, comparison) has come, for a progress bar or a log line.
public struct ProgressUpdate: Sendable, Equatable {
    /// What is being done, e.g. "calibrate".
    public var task: String
    /// Units finished so far (samples for calibration).
    public var completed: Int
    /// Units in all, when known.
    public var total: Int?

    /// Creates an update.
    public init(task: String, completed: Int, total: Int?) {
        self.task = task
        self.completed = completed
        self.total = total
    }
}

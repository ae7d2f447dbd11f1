/// Counts finished samples and reports them to a progress callback.
struct ProgressCounter {
    private let task: String
    private let total: Int
    private let report: (ProgressUpdate) -> Void
    private var completed = 0

    /// Starts at zero and reports that, so a progress bar appears before the first (slow) sample.
    init(task: String, total: Int, report: @escaping (ProgressUpdate) -> Void) {
        self.task = task
        self.total = total
        self.report = report
        report(ProgressUpdate(task: task, completed: 0, total: total))
    }

    /// One more sample done.
    mutating func advance() {
        completed += 1
        report(ProgressUpdate(task: task, completed: completed, total: total))
    }
}

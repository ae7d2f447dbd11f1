/// Counts finished samples and reports them to a pass context.
struct ProgressCounter {
    private let task: String
    private let total: Int
    private let context: PassContext
    private var completed = 0

    /// Starts at zero and reports that, so a progress bar appears before the first (slow) sample.
    init(task: String, total: Int, context: PassContext) {
        self.task = task
        self.total = total
        self.context = context
        context.progress(ProgressUpdate(task: task, completed: 0, total: total))
    }

    /// One more sample done.
    mutating func advance() {
        completed += 1
        context.progress(ProgressUpdate(task: task, completed: completed, total: total))
    }
}

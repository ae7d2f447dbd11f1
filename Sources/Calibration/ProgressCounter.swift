import Foundation

/// Counts finished samples and reports them to a progress callback.
///
/// A class with a lock, because calibration workers (`SampleWorkers`) finish samples on several
/// threads; the callback is called under the lock, so reports arrive one at a time and in order.
final class ProgressCounter: @unchecked Sendable {
    private let task: String
    private let total: Int
    private let report: (ProgressUpdate) -> Void
    private var completed = 0
    private let lock = NSLock()

    /// Starts at zero and reports that, so a progress bar appears before the first (slow) sample.
    init(task: String, total: Int, report: @escaping (ProgressUpdate) -> Void) {
        self.task = task
        self.total = total
        self.report = report
        report(ProgressUpdate(task: task, completed: 0, total: total))
    }

    /// One more sample done.
    func advance() {
        lock.withLock {
            completed += 1
            report(ProgressUpdate(task: task, completed: completed, total: total))
        }
    }
}

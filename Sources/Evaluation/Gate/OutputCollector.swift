import Foundation

/// Reads what a child process writes to a pipe, on a thread of its own, until end of file.
///
/// Reading to the end on the calling thread would block for as long as any process holding the
/// pipe lives, so a metric command that never ends (or leaves a child behind) would hang qdqc;
/// reading in the background lets the caller stop waiting when its time is up (the reading thread
/// then ends with the process).
final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let ended = DispatchSemaphore(value: 0)

    /// Starts reading `handle` to its end.
    init(reading handle: FileHandle) {
        // Not `readabilityHandler`: on Linux it does not report the end of the pipe.
        Thread.detachNewThread { [self] in
            let all = handle.readDataToEndOfFile()
            lock.withLock { data = all }
            ended.signal()
        }
    }

    /// The bytes read once the pipe ends, or nil when it has not ended by `deadline`.
    func output(by deadline: DispatchTime) -> Data? {
        guard ended.wait(timeout: deadline) == .success else { return nil }
        return lock.withLock { data }
    }
}

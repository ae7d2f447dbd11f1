import Foundation

/// Gathers what a child process writes to a pipe, on the pipe's own thread, until end of file.
///
/// Reading to the end on the calling thread would block for as long as any process holding the
/// pipe lives, so a metric command that never ends (or leaves a child behind) would hang qdqc;
/// collecting in the background lets the caller stop waiting when its time is up.
final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let ended = DispatchSemaphore(value: 0)

    /// Starts collecting from `handle`.
    init(reading handle: FileHandle) {
        handle.readabilityHandler = { [self] handle in
            let chunk = handle.availableData
            if chunk.isEmpty {
                handle.readabilityHandler = nil
                ended.signal()
            } else {
                lock.withLock { data.append(chunk) }
            }
        }
    }

    /// The bytes collected once the pipe ends, or nil when it has not ended by `deadline`.
    func output(by deadline: DispatchTime) -> Data? {
        guard ended.wait(timeout: deadline) == .success else { return nil }
        return lock.withLock { data }
    }
}

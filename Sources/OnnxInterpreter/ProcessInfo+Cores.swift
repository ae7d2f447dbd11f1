import Foundation

extension ProcessInfo {
    /// Active processor count, read once (the call is not free and does not change during a run).
    static let processorCountCached = ProcessInfo.processInfo.activeProcessorCount
}

import Foundation

extension ProcessInfo {
    /// Active processor count, read once (the call is not free and does not change during a run).
    static let processorCountCached = ProcessInfo.processInfo.activeProcessorCount

    /// Physical memory in bytes, read once (each read is a system call, and every allocation checks it).
    static let physicalMemoryCached = ProcessInfo.processInfo.physicalMemory
}

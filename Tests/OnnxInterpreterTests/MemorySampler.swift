import Foundation

/// Samples this process's resident memory every few milliseconds and keeps the largest value.
///
/// The kernel's own peak counter (VmHWM) cannot be reset here, so each benchmark measures
/// its own window by sampling VmRSS.
final class MemorySampler: @unchecked Sendable {
    private let lock = NSLock()
    private var peak: Double = 0
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    /// Starts sampling.
    init() {
        let thread = Thread { [self] in
            while isRunning() {
                record(Self.residentMB())
                Thread.sleep(forTimeInterval: 0.005)
            }
            done.signal()
        }
        thread.start()
    }

    private func isRunning() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    private func record(_ value: Double) {
        lock.lock()
        peak = max(peak, value)
        lock.unlock()
    }

    /// Stops sampling and returns the peak resident memory in MB.
    func stop() -> Double {
        lock.lock()
        running = false
        lock.unlock()
        done.wait()
        record(Self.residentMB())
        return peak
    }

    /// Current resident memory in MB (VmRSS), or 0 where unavailable.
    static func residentMB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = line.split(separator: " ").compactMap({ Double($0) }).first
        else { return 0 }
        return kilobytes / 1024
    }
}

import Foundation

/// Splits loops over both cores when the work is large enough to pay for the hand-off.
enum Parallel {
    /// Work items (roughly: elements touched) below which a loop stays on one thread; waking a
    /// worker costs several microseconds, about what 100k simple element operations take.
    static let threshold = 1 << 17
    /// Worker count; the machine this targets has two cores and OpenBLAS already uses both for GEMM.
    static let workers = max(1, min(ProcessInfo.processorCountCached, 8))

    /// Calls `body` on disjoint sub-ranges covering `0..<count`, in parallel when `count * cost` is large.
    ///
    /// `cost` is the work per item relative to one simple element operation.
    @inline(__always)
    static func forChunks(_ count: Int, cost: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = count * cost >= threshold ? min(workers, count) : 1
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let shared = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = count * chunk / chunks
                let end = count * (chunk + 1) / chunks
                if start < end { shared.value(start..<end) }
            }
        }
    }
}

/// Hands a value to `DispatchQueue.concurrentPerform`'s `@Sendable` body.
///
/// The loops the interpreter splits write disjoint ranges of buffers that outlive the call, which
/// the compiler cannot see; sharing the closure between the workers is safe for that reason.
struct UncheckedSendable<Value>: @unchecked Sendable {
    /// The shared value.
    let value: Value

    /// Wraps `value`.
    init(_ value: Value) { self.value = value }
}

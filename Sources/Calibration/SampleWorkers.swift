import Dispatch
import Foundation

/// Runs independent per-sample work on several threads, each worker taking one contiguous share of the samples.
///
/// Which worker sees which sample depends only on the sample count and the worker count, never on
/// timing: calibration merges the workers' observer states in worker order, which gives the state of
/// one pass over all samples (`CalibrationState` merges exactly), and `qdqc run --all` writes each
/// sample's outputs from whichever worker ran it. A kernel that splits its own loop over the cores
/// (`concurrentPerform`) runs every chunk on the worker's own thread, since libdispatch gives a nested
/// `concurrentPerform` no extra threads when the outer one already fills the machine: each chunk is
/// computed as before, so outputs are the same bits with one worker or several.
///
/// A failure stops its worker; the others finish their shares, and the error of the lowest sample
/// index is thrown: the one a one-by-one loop would have met first, whatever the timing.
public struct SampleWorkers: Sendable, Equatable {
    /// How many samples run at once (at least 1).
    public let count: Int

    /// `count` workers; fewer than one means one.
    public init(count: Int) {
        self.count = max(1, count)
    }

    /// One worker per core the process may use: the default of `--jobs`.
    public static var perCore: SampleWorkers {
        SampleWorkers(count: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// One worker: samples run one after another, each using every core its kernels split over.
    public static let single = SampleWorkers(count: 1)

    /// The contiguous, nearly equal share of `0..<total` of each worker that gets one (at most `total` workers).
    public func shares(of total: Int) -> [Range<Int>] {
        let used = min(count, max(total, 1))
        return (0..<used).map { worker in (total * worker / used)..<(total * (worker + 1) / used) }
    }

    /// Calls `body(worker, index)` for every index of `0..<total`, each worker over its share in increasing order.
    ///
    /// `body` runs concurrently on different workers, never concurrently for one worker; it must only touch
    /// state of its own worker or state it protects itself.
    public func forEach(_ total: Int, _ body: (_ worker: Int, _ index: Int) throws -> Void) throws {
        let shares = shares(of: total)
        guard shares.count > 1 else {
            for index in 0..<total { try body(0, index) }
            return
        }
        let failures = FirstFailure()
        withoutActuallyEscaping(body) { escapable in
            let shared = SharedBody(body: escapable)
            DispatchQueue.concurrentPerform(iterations: shares.count) { worker in
                for index in shares[worker] {
                    do {
                        try shared.body(worker, index)
                    } catch {
                        failures.record(error, at: index)
                        return
                    }
                }
            }
        }
        if let error = failures.first { throw error }
    }
}

/// The body shared by the workers of `SampleWorkers.forEach`.
///
/// Each worker calls it for its own samples only; what the calls share is the caller's to protect,
/// which the compiler cannot see through a non-`Sendable` closure.
private struct SharedBody: @unchecked Sendable {
    let body: (_ worker: Int, _ index: Int) throws -> Void
}

/// The error of the lowest sample index among the workers' failures.
private final class FirstFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var lowest: (index: Int, error: any Error)?

    /// Keeps `error` if no failure of a lower index is known.
    func record(_ error: any Error, at index: Int) {
        lock.withLock {
            if let kept = lowest, kept.index <= index { return }
            lowest = (index, error)
        }
    }

    /// The kept error, if any.
    var first: (any Error)? { lock.withLock { lowest?.error } }
}

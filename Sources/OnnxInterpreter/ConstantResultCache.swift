import Foundation
import OnnxIR

/// Keeps the outputs of a node whose inputs never change, so later runs reuse them.
///
/// A quantized model holds its weights as DequantizeLinear of an initializer; without this every
/// run dequantized every weight again (a decoder's 26M-element int4 LM head at every generated
/// token). The first run computes the outputs; later runs share them, which is safe because
/// arrays share buffers copy-on-write and a kernel writes in place only into a buffer nobody else
/// holds (`KernelCall.takeUnique`). What the caches of one interpreter hold together is bounded by
/// a `ConstantCacheBudget`: past it, a node computes its outputs at every run as before.
final class ConstantResultCache: @unchecked Sendable {
    private let lock = NSLock()
    private var outputs: [NDArray?]?
    private let budget: ConstantCacheBudget

    /// Creates an empty cache that draws on `budget`.
    init(budget: ConstantCacheBudget) {
        self.budget = budget
    }

    /// `kernel`, answered from this cache after its first successful run.
    func wrap(_ kernel: @escaping Kernel) -> Kernel {
        { [self] call in
            if let outputs = lock.withLock({ outputs }) { return outputs }
            let computed = try kernel(&call)
            let bytes = computed.reduce(0) { $0 + ($1?.buffer.byteCount ?? 0) }
            lock.withLock {
                if outputs == nil, budget.reserve(bytes) { outputs = computed }
            }
            return computed
        }
    }
}

/// How many bytes the constant caches of one interpreter may still take.
final class ConstantCacheBudget: @unchecked Sendable {
    private let lock = NSLock()
    private var remaining: Int

    /// A budget of `bytes`.
    init(bytes: Int) {
        self.remaining = max(0, bytes)
    }

    /// Takes `bytes` from the budget; false (and nothing taken) when fewer remain.
    func reserve(_ bytes: Int) -> Bool {
        lock.withLock {
            guard bytes <= remaining else { return false }
            remaining -= bytes
            return true
        }
    }
}

import Foundation
import OnnxIR

/// The arrays of one `.npz`, each inflated on first use and then kept, shared by copies of a source.
final class StackedArrays: @unchecked Sendable {
    private let reader: NpzReader
    private var loaded: [String: Tensor] = [:]
    private let lock = NSLock()

    /// Wraps an open archive.
    init(reader: NpzReader) { self.reader = reader }

    /// The array names.
    var keys: [String] { reader.keys }

    /// Array `key`, read at most once.
    func tensor(named key: String) throws -> Tensor {
        lock.lock()
        defer { lock.unlock() }
        if let tensor = loaded[key] { return tensor }
        let tensor = try reader.tensor(named: key)
        loaded[key] = tensor
        return tensor
    }
}

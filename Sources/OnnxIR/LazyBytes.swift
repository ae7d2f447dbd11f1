import Foundation

/// Bytes produced on first request and kept afterwards (memory-mapped side files).
///
/// A class so that copies of a tensor share one load; the lock makes the first
/// load safe from several threads.
public final class LazyBytes: @unchecked Sendable {
    private let load: @Sendable () throws -> Data
    private var cached: Data?
    private let lock = NSLock()

    /// Creates a loader; `load` runs at most once successfully.
    public init(_ load: @escaping @Sendable () throws -> Data) { self.load = load }

    /// Creates loaded bytes.
    public init(data: Data) {
        self.load = { data }
        self.cached = data
    }

    /// The bytes, loading them on first call.
    public func bytes() throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        if let cached { return cached }
        let data = try load()
        cached = data
        return data
    }
}

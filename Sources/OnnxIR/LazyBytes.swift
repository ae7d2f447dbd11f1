import Foundation

/// Bytes produced on first request and kept afterwards (memory-mapped side files).
///
/// A class so that copies of a tensor share one load; the lock makes the first
/// load safe from several threads.
public final class LazyBytes: @unchecked Sendable {
    private let load: @Sendable () throws -> Data
    private let release: (@Sendable () -> Void)?
    private var cached: Data?
    private let lock = NSLock()

    /// Creates a loader; `load` runs at most once successfully.
    ///
    /// - Parameter releasePages: gives the resident pages of the loaded bytes back to the system
    ///   (a memory-mapped range); the bytes stay valid and are paged in again from the file when read.
    public init(
        _ load: @escaping @Sendable () throws -> Data, releasePages: (@Sendable () -> Void)? = nil
    ) {
        self.load = load
        self.release = releasePages
    }

    /// Creates loaded bytes.
    public init(data: Data) {
        self.load = { data }
        self.release = nil
        self.cached = data
    }

    /// Says the bytes will not be read again soon: memory-mapped bytes give their resident pages back,
    /// so reading every weight of a model once never holds more than the one being read.
    ///
    /// The bytes stay valid (a later read pages them in again); bytes held in memory are not affected.
    public func releaseResidentPages() { release?() }

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

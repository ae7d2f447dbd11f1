/// The resident pages of a tensor's bytes mapped from a file, which can be given back and read again later.
///
/// A spilled tensor (`TensorSpill`) carries one: its storage is ordinary `raw_data` whose bytes happen to be
/// mapped, so only this handle knows how to give their pages back.
public final class MappedPages: Sendable {
    private let release: @Sendable () -> Void

    /// Creates a handle; `release` gives the pages back (the bytes stay valid and are paged in again when read).
    public init(release: @escaping @Sendable () -> Void) {
        self.release = release
    }

    /// Gives the resident pages back.
    public func releaseResidentPages() { release() }
}

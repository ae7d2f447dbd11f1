import Foundation

/// A tensor's reference to a side file, with the bytes read on first use.
public struct ExternalData: Sendable {
    /// The `external_data` entries in file order (`location`, `offset`, `length`, `checksum`, ...).
    public var entries: [KeyValue]
    /// Supplies the bytes when asked; nil when no folder is known (the bytes cannot be read).
    public var source: LazyBytes?

    /// Creates a reference from its entries and an optional loader.
    public init(entries: [KeyValue], source: LazyBytes? = nil) {
        self.entries = entries
        self.source = source
    }

    /// The value of entry `key`, if present.
    public func entry(_ key: String) -> String? { entries.first { $0.key == key }?.value }

    /// The side file's path relative to the model's folder.
    public var location: String? { entry("location") }
    /// Byte offset in the side file (0 when absent).
    public var offset: Int? { entry("offset").flatMap { Int($0) } }
    /// Byte length in the side file (to the end of the file when absent).
    public var length: Int? { entry("length").flatMap { Int($0) } }
}

import Foundation

/// A fresh folder under the system temporary directory, removed explicitly with `remove()`.
public struct TemporaryDirectory {
    /// The folder's location.
    public let url: URL

    /// Creates a uniquely named, empty folder.
    public init(prefix: String) throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A path inside the folder.
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Deletes the folder and everything in it.
    public func remove() { try? FileManager.default.removeItem(at: url) }
}

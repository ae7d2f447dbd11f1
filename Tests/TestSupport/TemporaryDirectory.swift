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

    /// The path of `name` inside the folder, as a string for command lines.
    public func path(_ name: String) -> String { file(name).path }

    /// Writes `data` to `name` inside the folder and returns its path.
    @discardableResult
    public func write(_ data: Data, to name: String) throws -> String {
        try data.write(to: file(name))
        return path(name)
    }

    /// Whether `name` exists inside the folder.
    public func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    /// The names of the folder's entries, sorted.
    public func contents() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }

    /// Deletes the folder and everything in it.
    public func remove() { try? FileManager.default.removeItem(at: url) }
}

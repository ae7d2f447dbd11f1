import Foundation

/// A fresh folder under the system temporary directory, removed explicitly with `remove()`.
struct TemporaryDirectory {
    /// The folder's location.
    let url: URL

    /// Creates a uniquely named, empty folder.
    init(prefix: String) throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A path inside the folder.
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Deletes the folder and everything in it.
    func remove() { try? FileManager.default.removeItem(at: url) }
}

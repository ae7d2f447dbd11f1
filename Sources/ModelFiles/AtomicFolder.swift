import Foundation

/// Creates a folder all at once: filled under a hidden sibling name, then renamed into place.
///
/// A failure removes the staging folder, so no half-written output folder is ever left behind.
public enum AtomicFolder {
    /// Lets `fill` write into a fresh staging folder, then renames it to `path`, which must not exist yet.
    public static func create(at path: String, _ fill: (String) throws -> Void) throws {
        let manager = FileManager.default
        if manager.fileExists(atPath: path) {
            throw ModelFileError(path: path, message: "already exists; remove it or choose another output folder")
        }
        let url = URL(fileURLWithPath: path)
        let staging = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        try? manager.removeItem(at: staging)
        do {
            try manager.createDirectory(at: staging, withIntermediateDirectories: false)
            try fill(staging.path)
            try manager.moveItem(at: staging, to: url)
        } catch {
            try? manager.removeItem(at: staging)
            throw error
        }
    }
}

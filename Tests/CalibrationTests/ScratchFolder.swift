import Foundation

/// A temporary folder, removed when the value is deinitialized.
final class ScratchFolder {
    /// The folder's path.
    let path: String

    /// Creates a new empty folder under the system's temporary directory.
    init() throws {
        path = NSTemporaryDirectory() + "calibration-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The path of `name` inside the folder.
    func file(_ name: String) -> String { path + "/" + name }
}

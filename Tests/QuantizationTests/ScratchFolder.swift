import Foundation

/// A temporary folder for one test, removed when the last reference goes away.
final class ScratchFolder {
    /// The folder's path.
    let path: String

    /// Creates an empty folder under the system's temporary folder.
    init() throws {
        path =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("quantization-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// `path/name`.
    func file(_ name: String) -> String { path + "/" + name }

    /// The contents of `path/name`.
    func contents(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: file(name))) }
}

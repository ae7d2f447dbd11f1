import Foundation

/// Paths in the source checkout, found from this file's location.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let passesDirectory = root.appendingPathComponent("passes")
    /// The Passes module's sources: `Infrastructure/`, `Shared/` and one folder per pass.
    static let passSourcesDirectory = root.appendingPathComponent("Sources/Passes")
    static let pipelinesDirectory = passesDirectory.appendingPathComponent("pipelines")
    static let passesDoc = root.appendingPathComponent("docs/passes.md")

    /// Whether this run should rewrite expected files (and fail).
    static var isRecording: Bool { ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" }

    static func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    /// Sub-folders of `url`, sorted by name.
    static func folders(in url: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.sorted().map { url.appendingPathComponent($0) }.filter { isDirectory($0) }
    }

    static func isDirectory(_ url: URL) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &flag) && flag.boolValue
    }
}

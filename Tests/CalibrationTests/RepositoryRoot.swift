import Foundation

/// Paths in the repository, found from this file's location.
enum RepositoryRoot {
    /// The repository root: the nearest folder above this file that has `schemas/` and `.venv/`.
    static let path: String = {
        for start in [URL(fileURLWithPath: #filePath), URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()] {
            var folder = start.deletingLastPathComponent()
            while folder.path != "/" {
                let schemas = folder.appendingPathComponent("schemas").path
                if FileManager.default.fileExists(atPath: schemas) { return folder.path }
                folder = folder.deletingLastPathComponent()
            }
        }
        return FileManager.default.currentDirectoryPath
    }()

    /// The venv's Python.
    static var python: String { path + "/.venv/bin/python" }

    /// The calibration table's JSON Schema.
    static var tableSchema: String { path + "/schemas/calibration-table.schema.json" }
}

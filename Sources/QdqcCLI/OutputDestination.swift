import Foundation
import OnnxIO

/// Checks, before any work, that a file qdqc will write can be written where the user asked.
///
/// Done up front so that a run never writes one output and then fails on the next (a `--report`
/// into a missing folder used to fail after the model was written), and so that a device or pipe
/// given as `-o` is refused rather than replaced by a regular file.
enum OutputDestination {
    /// Throws a `CLIError` naming `path` when its folder is missing or it names something other than a
    /// regular file (a folder, a device, a named pipe; symbolic links followed).
    static func check(_ path: String) throws {
        guard !path.isEmpty else { throw CLIError(path: "''", message: "an empty path cannot be written") }
        switch RegularFile.problem(atPath: path) {
        case nil, .missing?, .unreadable?:
            break
        case let problem?:
            throw CLIError(path: path, message: "is \(problem); qdqc writes only regular files")
        }
        try checkFolder(of: path)
    }

    /// The folder `path` would be created in: `.` for a bare name, `/` at the root.
    ///
    /// Not `NSString.deletingLastPathComponent`, which traps on a one-character name (`-o x`) in
    /// swift-corelibs-foundation 6.3.
    static func folder(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// Throws a `CLIError` naming `path` when the folder it would be created in does not exist.
    static func checkFolder(of path: String) throws {
        guard !path.isEmpty else { throw CLIError(path: "''", message: "an empty path cannot be written") }
        let folder = folder(of: path)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw CLIError(path: path, message: "folder '\(folder)' does not exist")
        }
    }
}

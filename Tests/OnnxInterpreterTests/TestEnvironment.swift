import Foundation

/// Paths and the Python venv the cross-checking tests use.
enum TestEnvironment {
    /// The package root, found from this file's location.
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The venv's Python with onnx and onnxruntime.
    static var python: String { packageRoot + "/.venv/bin/python" }

    /// Whether the venv exists.
    static var hasPython: Bool { FileManager.default.isExecutableFile(atPath: python) }

    /// The shared real models.
    static let modelsRoot = "/work/shared/models"

    /// The hash of `Tests/requirements.lock` the venv was built from (written by `.ci/setup`).
    ///
    /// Caches of data that Python generates are keyed by it, so a new lock never reuses
    /// expected values that older packages computed.
    static func lockHash() throws -> String {
        let text = try String(contentsOfFile: packageRoot + "/.venv/lock.sha256", encoding: .utf8)
        let hash = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard hash.count == 64 else { throw PythonFailure(message: "run .ci/setup: .venv/lock.sha256 is not a hash") }
        return hash
    }

    /// A cache folder under `.build` for data the locked Python packages generate.
    static func lockedCacheDirectory(_ name: String, subfolder: String = "") throws -> String {
        let keyed = "\(name)-lock-\(try lockHash().prefix(16))"
        return try cacheDirectory(subfolder.isEmpty ? keyed : keyed + "/" + subfolder)
    }

    /// A cache folder under `.build` (kept between runs, never committed).
    static func cacheDirectory(_ name: String) throws -> String {
        let path = packageRoot + "/.build/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Runs the venv's Python on `script` with `arguments`; throws with its stderr when it fails.
    static func runPython(_ script: String, arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PythonFailure(message: String(decoding: message, as: UTF8.self))
        }
    }

    /// A Python run that failed.
    struct PythonFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { "python failed: \(message)" }
    }
}

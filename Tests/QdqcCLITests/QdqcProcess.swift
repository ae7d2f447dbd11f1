import Foundation

/// Runs the built `qdqc` executable as a subprocess, as a user would.
enum QdqcProcess {
    /// What a run printed and how it exited.
    struct Outcome {
        var status: Int32
        var standardOutput: String
        var standardError: String

        var errorLines: [String] {
            standardError.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        }
    }

    /// The `qdqc` binary next to the test bundle (SwiftPM puts products in one folder), or `$QDQC_BINARY`.
    static func binary() throws -> URL {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [URL] = []
        if let override = environment["QDQC_BINARY"] { candidates.append(URL(fileURLWithPath: override)) }
        let fromArguments = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(fromArguments.deletingLastPathComponent().appendingPathComponent("qdqc"))
        let bundle = Bundle.main.bundleURL
        candidates.append(bundle.appendingPathComponent("qdqc"))
        candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("qdqc"))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        throw MissingBinary(searched: candidates.map(\.path))
    }

    struct MissingBinary: Error, CustomStringConvertible {
        let searched: [String]
        var description: String {
            "qdqc binary not found (looked at \(searched.joined(separator: ", "))); build it or set QDQC_BINARY"
        }
    }

    /// Runs `qdqc arguments...` in `directory` and waits for it.
    ///
    /// Output goes to temporary files rather than pipes, so a large output can never block the child.
    static func run(_ arguments: [String], in directory: URL? = nil) throws -> Outcome {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("qdqc-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outputURL = scratch.appendingPathComponent("stdout")
        let errorURL = scratch.appendingPathComponent("stderr")
        for url in [outputURL, errorURL] where !FileManager.default.createFile(atPath: url.path, contents: nil) {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        let output = try FileHandle(forWritingTo: outputURL)
        let error = try FileHandle(forWritingTo: errorURL)
        defer {
            try? output.close()
            try? error.close()
        }
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus,
            standardOutput: String(decoding: try Data(contentsOf: outputURL), as: UTF8.self),
            standardError: String(decoding: try Data(contentsOf: errorURL), as: UTF8.self))
    }
}

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
    static func run(_ arguments: [String], in directory: URL? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes before waiting so a large output cannot block the child.
        var outputData = Data()
        var errorData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errorData = error.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        outputData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self))
    }
}

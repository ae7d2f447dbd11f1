import Foundation

/// Runs a child process to completion with its output captured in files.
///
/// Output goes to temporary files rather than pipes, so a chatty child can never block on a
/// full pipe while we wait for it, and large outputs (a printed model) cost no extra threads.
public enum ProcessRunner {
    /// Runs `executable` with `arguments`; `standardInput` and `standardOutput` optionally name files.
    ///
    /// `environment` adds to (or overrides) the test process's own environment.
    public static func run(
        _ executable: URL, _ arguments: [String], workingDirectory: URL? = nil,
        standardInput: URL? = nil, standardOutput: URL? = nil, environment: [String: String] = [:]
    ) throws -> ProcessResult {
        let scratch = try TemporaryDirectory(prefix: "qdqc-process")
        defer { scratch.remove() }
        let outputFile = standardOutput ?? scratch.url.appendingPathComponent("stdout")
        let errorFile = scratch.url.appendingPathComponent("stderr")
        for file in [outputFile, errorFile] {
            _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        }
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        process.standardInput = try standardInput.map { try FileHandle(forReadingFrom: $0) } ?? FileHandle.nullDevice
        let outputHandle = try FileHandle(forWritingTo: outputFile)
        let errorHandle = try FileHandle(forWritingTo: errorFile)
        defer {
            try? outputHandle.close()
            try? errorHandle.close()
        }
        process.standardOutput = outputHandle
        process.standardError = errorHandle
        try process.run()
        process.waitUntilExit()
        return ProcessResult(
            commandLine: ([executable.path] + arguments).map(quoted).joined(separator: " "),
            status: process.terminationStatus,
            exitedNormally: process.terminationReason == .exit,
            standardOutput: standardOutput == nil ? readText(outputFile) : "(written to \(outputFile.path))",
            standardError: readText(errorFile))
    }

    private static func readText(_ file: URL) -> String {
        (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    }

    private static func quoted(_ argument: String) -> String {
        argument.isEmpty || argument.contains(" ") ? "'\(argument)'" : argument
    }
}

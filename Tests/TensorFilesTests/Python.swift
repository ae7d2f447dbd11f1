import Foundation

/// Runs the repository's Python venv (numpy, onnx, ml_dtypes) to make fixtures and check our output.
enum Python {
    /// A Python script that exited non-zero.
    struct Failure: Error, CustomStringConvertible {
        /// Exit status and standard error.
        var description: String
    }

    /// The repository root, found from this file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// `.venv/bin/python` in the repository.
    static let executable = repositoryRoot + "/.venv/bin/python"

    /// Runs `script` with `arguments` (available as `sys.argv[1:]`) and returns its standard output.
    @discardableResult
    static func run(_ script: String, _ arguments: [String] = []) throws -> String {
        // Output goes to files, not pipes: reading a pipe through FileHandle traps on EINTR.
        let scratch = try ScratchFolder()
        let outputPath = scratch.file("stdout")
        let errorPath = scratch.file("stderr")
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        defer {
            try? output.close()
            try? errors.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-c", script] + arguments
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let outputData = try scratch.contents("stdout")
        guard process.terminationStatus == 0 else {
            throw Failure(
                description: "python exited with \(process.terminationStatus): "
                    + String(decoding: try scratch.contents("stderr"), as: UTF8.self))
        }
        return String(decoding: outputData, as: UTF8.self)
    }
}

import Foundation

/// Runs a script in the repository's Python venv (numpy, onnx, onnxruntime, ml_dtypes) on JSON input and
/// decodes its JSON output: the oracle our arithmetic is checked against.
enum PythonOracle {
    /// A script that exited non-zero.
    struct Failure: Error, CustomStringConvertible {
        /// Exit status and standard error.
        var description: String
    }

    /// The repository root, found from this file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// `.venv/bin/python` in the repository.
    static let executable = repositoryRoot + "/.venv/bin/python"

    /// Runs `script` with the JSON of `input` in the file named by `sys.argv[1]`; the script writes its
    /// answer as JSON to `sys.argv[2]`.
    static func run<Input: Encodable, Output: Decodable>(
        _ script: String, input: Input, as output: Output.Type
    ) throws -> Output {
        let scratch = try ScratchFolder()
        try JSONEncoder().encode(input).write(to: URL(fileURLWithPath: scratch.file("input.json")))
        // Output goes to files, not pipes: reading a pipe through FileHandle traps on EINTR.
        for name in ["stdout", "stderr"] {
            _ = FileManager.default.createFile(atPath: scratch.file(name), contents: nil)
        }
        let stdout = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.file("stdout")))
        let stderr = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.file("stderr")))
        defer {
            try? stdout.close()
            try? stderr.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-c", script, scratch.file("input.json"), scratch.file("output.json")]
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                description: "python exited with \(process.terminationStatus): "
                    + String(decoding: try scratch.contents("stderr"), as: UTF8.self))
        }
        return try JSONDecoder().decode(Output.self, from: scratch.contents("output.json"))
    }
}

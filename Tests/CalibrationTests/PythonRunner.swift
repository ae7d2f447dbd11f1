import Foundation

/// Runs a Python script with the repository's venv (numpy, onnx, onnxruntime).
enum PythonRunner {
    /// A script that exited non-zero.
    struct Failure: Error, CustomStringConvertible {
        /// Exit status and standard error.
        var description: String
    }

    /// What a finished script left behind.
    struct Outcome {
        /// The exit status.
        var status: Int32
        /// Standard output.
        var output: String
        /// Standard error.
        var errors: String
    }

    /// Runs `script` with `arguments` (as `sys.argv[1:]`) and returns its standard output; throws if it fails.
    static func run(_ script: String, _ arguments: [String] = []) throws -> String {
        let outcome = try execute(script, arguments)
        guard outcome.status == 0 else {
            throw Failure(description: "python exited with \(outcome.status): \(outcome.errors)")
        }
        return outcome.output
    }

    /// Runs `script` with `arguments` and returns its status and output, whatever the status.
    static func execute(_ script: String, _ arguments: [String] = []) throws -> Outcome {
        // Output goes to files, not pipes: a full pipe would block the child, and reading a pipe can trap on EINTR.
        let scratch = try ScratchFolder()
        let scriptPath = scratch.file("script.py")
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
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
        process.executableURL = URL(fileURLWithPath: RepositoryRoot.python)
        process.arguments = [scriptPath] + arguments
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let text = { (path: String) in
            String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        }
        return Outcome(status: process.terminationStatus, output: text(outputPath), errors: text(errorPath))
    }
}

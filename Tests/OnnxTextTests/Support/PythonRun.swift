import Foundation

/// The outcome of one run of the project's Python interpreter.
struct PythonRun {
    /// Exit status (0 is success).
    var status: Int32
    /// What the script printed.
    var output: String
    /// What the script printed to standard error (tracebacks).
    var errors: String

    /// The virtual environment's interpreter (`.venv` at the package root), nil if absent.
    static var interpreter: URL? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        for candidate in [
            root.appendingPathComponent(".venv/bin/python"), URL(fileURLWithPath: "/work/main/.venv/bin/python"),
        ]
        where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        return nil
    }

    /// Runs `code` with `arguments`, feeding `input` (a file) to standard input.
    ///
    /// Output goes through files, so a large output cannot block the child on a full pipe.
    static func run(_ code: String, arguments: [String] = [], input: URL? = nil) throws -> PythonRun {
        guard let interpreter else {
            throw TestSetupError(description: "no Python interpreter at .venv/bin/python (run .ci/setup)")
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let outputURL = folder.url.appendingPathComponent("stdout")
        let errorURL = folder.url.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let outputHandle = try FileHandle(forWritingTo: outputURL)
        let errorHandle = try FileHandle(forWritingTo: errorURL)
        defer {
            try? outputHandle.close()
            try? errorHandle.close()
        }
        let process = Process()
        process.executableURL = interpreter
        process.arguments = ["-c", code] + arguments
        process.standardInput = try input.map { try FileHandle(forReadingFrom: $0) } ?? FileHandle.nullDevice
        process.standardOutput = outputHandle
        process.standardError = errorHandle
        try process.run()
        process.waitUntilExit()
        return PythonRun(
            status: process.terminationStatus,
            output: (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "",
            errors: (try? String(contentsOf: errorURL, encoding: .utf8)) ?? "")
    }

    /// Whether onnx's own parser reads `text` as a model; the error text when it does not.
    static func onnxParserRejection(of text: String) throws -> String? {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = folder.url.appendingPathComponent("model.onnxtxt")
        try text.write(to: file, atomically: false, encoding: .utf8)
        let run = try run("import onnx.parser, sys; onnx.parser.parse_model(sys.stdin.read())", input: file)
        return run.status == 0 ? nil : String(run.errors.suffix(2000))
    }
}

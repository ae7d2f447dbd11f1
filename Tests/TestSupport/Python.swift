import Foundation

/// The repository's Python venv (`.venv`, made by `.ci/setup`) and the helper scripts in `Python/`.
public enum Python {
    /// The venv interpreter; throws with setup instructions when the venv is missing.
    public static func interpreter() throws -> URL {
        let python = RepositoryPaths.root.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw EcosystemError(
                description: "\(python.path) is missing: run `bash .ci/setup` to create the Python venv "
                    + "(onnx, onnxruntime, numpy) that the ecosystem tests check qdqc against")
        }
        return python
    }

    /// Runs `Python/<script>` with `arguments` in the venv.
    public static func runScript(
        _ script: String, _ arguments: [String], workingDirectory: URL? = nil
    ) throws -> ProcessResult {
        let path = RepositoryPaths.pythonScripts.appendingPathComponent(script)
        guard FileManager.default.fileExists(atPath: path.path) else {
            throw EcosystemError(description: "helper script \(path.path) does not exist")
        }
        // No __pycache__ beside the scripts: the source tree stays as checked out.
        return try ProcessRunner.run(
            try interpreter(), [path.path] + arguments, workingDirectory: workingDirectory,
            environment: ["PYTHONDONTWRITEBYTECODE": "1"])
    }

    /// Runs a short Python program given as text, with `arguments` as `sys.argv[1...]`.
    public static func runCode(_ code: String, _ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run(
            try interpreter(), ["-c", code] + arguments, environment: ["PYTHONDONTWRITEBYTECODE": "1"])
    }
}

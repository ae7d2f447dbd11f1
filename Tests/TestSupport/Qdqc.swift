import Foundation

/// The built `qdqc` executable, run as a user would run it.
public enum Qdqc {
    /// The binary beside the running test bundle (the build's products folder).
    ///
    /// `swift test` runs `<products>/<package>PackageTests.xctest` (an executable on Linux, a
    /// bundle run by a helper on macOS), and `swift build` puts `qdqc` in the same `<products>`
    /// folder, so the binary tested is always the one built with the tests' configuration.
    /// `QDQC_BINARY` overrides the search.
    public static func executable() throws -> URL {
        if let override = ProcessInfo.processInfo.environment["QDQC_BINARY"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        let folders = productFolders()
        for folder in folders {
            let candidate = folder.appendingPathComponent("qdqc")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw EcosystemError(
            description: "no qdqc executable in \(folders.map(\.path)); run `swift build` (with the same "
                + "--scratch-path and configuration as `swift test`) before the tests, or set QDQC_BINARY")
    }

    /// Runs `qdqc` with `arguments`, optionally sending standard output to a file.
    public static func run(
        _ arguments: [String], workingDirectory: URL? = nil, standardOutput: URL? = nil
    ) throws -> ProcessResult {
        try ProcessRunner.run(
            try executable(), arguments, workingDirectory: workingDirectory, standardOutput: standardOutput)
    }

    /// Folders that may hold the build products: the parents of any `.xctest` bundle in sight.
    private static func productFolders() -> [URL] {
        var paths = Bundle.allBundles.map(\.bundleURL) + [Bundle.main.bundleURL]
        if let executable = Bundle.main.executableURL { paths.append(executable) }
        paths.append(URL(fileURLWithPath: CommandLine.arguments.first ?? ""))
        var folders: [URL] = []
        for path in paths {
            var current = path.standardizedFileURL
            while current.path != "/" && !current.path.isEmpty {
                if current.pathExtension == "xctest" {
                    folders.append(current.deletingLastPathComponent())
                    break
                }
                current.deleteLastPathComponent()
            }
        }
        var seen = Set<String>()
        return folders.filter { seen.insert($0.path).inserted }
    }
}

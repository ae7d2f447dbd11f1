import Foundation
import TestSupport
import Testing

/// The README's test command is what CI runs (`.ci/run`), fuzzing included.
@Suite struct CICommandTests {
    /// The line of `.ci/run` that runs the tests: its last line.
    private static func ciCommand() throws -> String {
        let script = try String(
            contentsOf: RepositoryPaths.root.appendingPathComponent(".ci/run"), encoding: .utf8)
        return try #require(script.split(separator: "\n").last.map(String.init))
    }

    @Test func readmeGivesTheCommandCIRuns() throws {
        let readme = try String(contentsOf: RepositoryPaths.root.appendingPathComponent("README.md"), encoding: .utf8)
        let command = try Self.ciCommand()
        #expect(readme.contains("```sh\n\(command)\n```"), "README.md lacks .ci/run's command: \(command)")
    }

    @Test func ciRunsTheFuzzTargetsBriefly() throws {
        let command = try Self.ciCommand()
        #expect(command.contains("bash .ci/fuzz "), "\(command)")
        let fuzz = try String(contentsOf: RepositoryPaths.root.appendingPathComponent(".ci/fuzz"), encoding: .utf8)
        for target in ["model-reader", "model-text", "tensor-files", "pipeline"] {
            #expect(fuzz.contains(target), ".ci/fuzz does not run \(target)")
        }
    }
}

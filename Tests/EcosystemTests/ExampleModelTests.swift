import Foundation
import TestSupport
import Testing

/// The bundled example (docs/examples) is what its README says it is.
@Suite struct ExampleModelTests {
    private static let folder = RepositoryPaths.examples

    @Test func accuracyInOnnxRuntimeMatchesTheReadme() throws {
        let stated = try Self.statedEvalAccuracy()
        let run = try Python.runScript(
            "example_accuracy.py",
            [
                Self.folder.appendingPathComponent("digits_cnn.onnx").path,
                Self.folder.appendingPathComponent("digits_cnn.eval").path,
            ])
        try #require(run.succeeded, "\(run.summary)")
        #expect(run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == stated)
    }

    @Test func sampleFoldersHoldOneNpzPerSampleAndTheLabels() throws {
        let calib = try Self.files(in: "digits_cnn.calib")
        let eval = try Self.files(in: "digits_cnn.eval")
        #expect(calib.count == 32 && calib.allSatisfy { $0.hasSuffix(".npz") })
        #expect(eval.filter { $0.hasSuffix(".npz") }.count == 64)
        #expect(eval.contains("labels.json"))
    }

    @Test func exampleFolderStaysUnderOneMegabyte() throws {
        var total = 0
        let enumerator = FileManager.default.enumerator(
            at: Self.folder.resolvingSymlinksInPath(), includingPropertiesForKeys: [.fileSizeKey])
        while let file = enumerator?.nextObject() as? URL {
            total += (try file.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0
        }
        #expect(total > 0 && total < 1_000_000, "docs/examples holds \(total) bytes")
    }

    /// The "N/64" figure from the README line "Accuracy on `digits_cnn.eval/` (64 samples): **N/64**".
    private static func statedEvalAccuracy() throws -> String {
        let readme = try String(contentsOf: folder.appendingPathComponent("README.md"), encoding: .utf8)
        let pattern = try Regex(#"Accuracy on `digits_cnn\.eval/` \(\d+ samples\): \*\*(\d+/\d+)\*\*"#)
        let match = try #require(try pattern.firstMatch(in: readme), "docs/examples/README.md states no eval accuracy")
        return String(try #require(match.output[1].substring))
    }

    private static func files(in subfolder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent(subfolder).path)
    }
}

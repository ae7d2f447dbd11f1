import Foundation
import TestSupport
import Testing

/// Models whose weights live in external data files survive qdqc, both read and written that way.
@Suite struct ExternalDataTests {
    @Test(arguments: ["one-file", "per-tensor"])
    func externalInputRoundTripsInline(layout: String) throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-external")
        defer { scratch.remove() }
        let input = try Self.makeExternalModel(in: scratch, layout: layout)
        let output = scratch.file("out/model.onnx")
        try FileManager.default.createDirectory(
            at: output.deletingLastPathComponent(), withIntermediateDirectories: true)

        let run = try Qdqc.run([input.path, "-o", output.path, "--passes", ""], workingDirectory: scratch.url)
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")
        let check = try Python.runScript("compare_models.py", [input.path, output.path])
        #expect(check.succeeded, "\(check.summary)")
    }

    @Test(arguments: ["one-file", "per-tensor"])
    func externalInputRoundTripsToAChosenSideFile(layout: String) throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-external")
        defer { scratch.remove() }
        let input = try Self.makeExternalModel(in: scratch, layout: layout)
        let outputFolder = scratch.file("out")
        try FileManager.default.createDirectory(at: outputFolder, withIntermediateDirectories: true)
        let output = outputFolder.appendingPathComponent("model.onnx")

        // Run inside the output folder so "out.data" means the same file whether qdqc resolves it
        // against the working directory or against the output model's folder.
        let run = try Qdqc.run(
            [
                input.path, "-o", output.path, "--passes", "",
                "--external-data", "out.data", "--external-data-threshold", "1024",
            ],
            workingDirectory: outputFolder)
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")
        #expect(FileManager.default.fileExists(atPath: outputFolder.appendingPathComponent("out.data").path))
        let check = try Python.runScript(
            "compare_models.py",
            [input.path, output.path, "--expect-external", "out.data", "--expect-inline-below", "1024"])
        #expect(check.succeeded, "\(check.summary)")
    }

    /// Writes `in/model.onnx` with its weights in external data laid out as `layout`.
    private static func makeExternalModel(in scratch: TemporaryDirectory, layout: String) throws -> URL {
        let model = scratch.file("in/model.onnx")
        let made = try Python.runScript("make_external_model.py", [model.path, "--layout", layout])
        try #require(made.succeeded, "could not make the external-data model:\n\(made.summary)")
        return model
    }
}

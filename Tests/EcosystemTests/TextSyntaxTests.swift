import Foundation
import TestSupport
import Testing

/// `qdqc print` writes ONNX's textual syntax: onnx.parser must read it.
@Suite struct TextSyntaxTests {
    @Test(
        .enabled(
            if: RepositoryPaths.sharedModels != nil,
            "no shared models folder (neither <repo>/../shared/models nor /work/shared/models); skipped"),
        arguments: RepositoryPaths.sharedModelFiles().map(\.path))
    func printedSharedModelParsesInOnnx(model: String) throws {
        try Self.expectParsable(printing: URL(fileURLWithPath: model), printOptions: [], compare: false)
    }

    @Test func printedExampleModelParsesInOnnx() throws {
        try Self.expectParsable(printing: Self.exampleModel, printOptions: [], compare: false)
    }

    /// With every weight written inline, the text carries the whole model: onnx.parser must rebuild
    /// it exactly, up to what the syntax has no place for (see Python/parse_text.py: graph and node
    /// doc strings, an explicit empty node domain, and raw_data versus typed data fields).
    @Test func inlinePrintOfExampleModelParsesBackEqual() throws {
        try Self.expectParsable(printing: Self.exampleModel, printOptions: ["--inline-tensors"], compare: true)
    }

    private static let exampleModel = RepositoryPaths.examples.appendingPathComponent("digits_cnn.onnx")

    /// Prints `model` to a file with `qdqc print`, then feeds that file to onnx.parser.
    private static func expectParsable(printing model: URL, printOptions: [String], compare: Bool) throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-print")
        defer { scratch.remove() }
        let text = scratch.file("model.onnxtxt")
        // Inside the scratch folder, so a sidecar .bin the printer may write lands there too.
        let run = try Qdqc.run(
            ["print"] + printOptions + [model.path], workingDirectory: scratch.url, standardOutput: text)
        try #require(run.succeeded, "qdqc print failed:\n\(run.summary)")
        let arguments = [text.path] + (compare ? ["--compare", model.path] : [])
        let parsed = try Python.runScript("parse_text.py", arguments)
        #expect(parsed.succeeded, "\(parsed.summary)")
    }
}

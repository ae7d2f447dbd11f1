import Foundation
import TestSupport
import Testing

/// `qdqc M -o out --passes ''` must write a model that onnx.load reads back equal to M.
@Suite struct RoundTripTests {
    private static let sharedModelsMissing =
        "no shared models folder (neither <repo>/../shared/models nor /work/shared/models); skipped"

    @Test(.enabled(if: RepositoryPaths.sharedModels != nil, Comment(rawValue: sharedModelsMissing)))
    func sharedModelsFolderHoldsModels() {
        #expect(
            !RepositoryPaths.sharedModelFiles().isEmpty,
            "no <name>/model.onnx in \(RepositoryPaths.sharedModels?.path ?? "")")
    }

    @Test(
        .enabled(if: RepositoryPaths.sharedModels != nil, Comment(rawValue: sharedModelsMissing)),
        arguments: RepositoryPaths.sharedModelFiles().map(\.path))
    func sharedModelRoundTripsUnchanged(model: String) throws {
        try Self.expectLosslessRoundTrip(of: URL(fileURLWithPath: model))
    }

    @Test func exampleModelRoundTripsUnchanged() throws {
        try Self.expectLosslessRoundTrip(of: RepositoryPaths.examples.appendingPathComponent("digits_cnn.onnx"))
    }

    /// Runs the empty pipeline on `model` and compares input and output in Python.
    static func expectLosslessRoundTrip(of model: URL) throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-roundtrip")
        defer { scratch.remove() }
        let output = scratch.file("out.onnx")
        let run = try Qdqc.run([model.path, "-o", output.path, "--passes", ""], workingDirectory: scratch.url)
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")
        let check = try Python.runScript("compare_models.py", [model.path, output.path])
        #expect(check.succeeded, "output differs from input or fails onnx.checker:\n\(check.summary)")
    }
}

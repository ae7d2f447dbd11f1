import Foundation
import TestSupport
import Testing

/// A model over protobuf's 2 GiB limit goes through qdqc, which must write it with external data.
@Suite struct LargeModelTests {
    private static let twoGiB = 2 * 1024 * 1024 * 1024

    @Test(.timeLimit(.minutes(10)))
    func modelOverTwoGiBRoundTripsWithExternalData() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-over-2gib")
        defer { scratch.remove() }
        let input = scratch.file("in/model.onnx")
        try FileManager.default.createDirectory(
            at: input.deletingLastPathComponent(), withIntermediateDirectories: true)
        let made = try Python.runScript("make_large_model.py", [input.path])
        try #require(made.succeeded, "could not make the large model:\n\(made.summary)")
        let weights = try Self.fileSize(input.path + ".data")
        try #require(weights > Self.twoGiB, "the generated weights are only \(weights) bytes")

        let outputFolder = scratch.file("out")
        try FileManager.default.createDirectory(at: outputFolder, withIntermediateDirectories: true)
        let output = outputFolder.appendingPathComponent("model.onnx")
        let run = try Qdqc.run([input.path, "-o", output.path, "--passes", ""], workingDirectory: outputFolder)
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")

        let written = try Self.fileSize(output.path)
        #expect(written < Self.twoGiB, "qdqc wrote \(written) bytes into the .onnx file itself")
        let check = try Python.runScript("compare_models.py", [input.path, output.path, "--expect-external", "*"])
        #expect(check.succeeded, "\(check.summary)")
    }

    private static func fileSize(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.size] as? NSNumber)?.intValue ?? 0
    }
}

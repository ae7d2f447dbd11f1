import Foundation
import TestSupport
import Testing

/// The bundled example model (docs/examples/digits_cnn.onnx) through the built binary.
@Suite struct ExampleModelTests {
    static let exampleModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/examples/digits_cnn.onnx")

    @Test(.enabled(if: FileManager.default.fileExists(atPath: exampleModel.path)))
    func exampleModelRoundTripsInlineAndWithExternalData() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-cli")
        defer { workspace.remove() }
        let original = try Qdqc.run(["print", Self.exampleModel.path, "--inline-tensors"])
        #expect(original.status == 0, "\(original.standardError)")
        #expect(original.standardOutput.contains("Conv"))

        let inline = try Qdqc.run([Self.exampleModel.path, "-o", workspace.path("same.onnx"), "--passes", ""])
        #expect(inline.status == 0, "\(inline.standardError)")
        let reprinted = try Qdqc.run(["print", workspace.path("same.onnx"), "--inline-tensors"])
        #expect(reprinted.standardOutput == original.standardOutput)

        let external = try Qdqc.run([
            Self.exampleModel.path, "-o", workspace.path("split.onnx"), "--passes", "",
            "--external-data", "split.weights", "--external-data-threshold", "0", "--quiet",
        ])
        #expect(external.status == 0, "\(external.standardError)")
        #expect(external.standardError.isEmpty, "--quiet prints nothing on success")
        #expect(workspace.exists("split.weights"))
        let split = try Qdqc.run(["print", workspace.path("split.onnx")])
        #expect(split.status == 0, "\(split.standardError)")
        #expect(split.standardOutput.contains("Conv"))

        // In place, rewriting the external-data file the model is read from.
        let again = try Qdqc.run([
            workspace.path("split.onnx"), "-o", workspace.path("split.onnx"), "--passes", "", "--external-data",
            "split.weights", "--external-data-threshold", "0",
        ])
        #expect(again.status == 0, "\(again.standardError)")
        let reread = try Qdqc.run(["print", workspace.path("split.onnx"), "--inline-tensors"])
        #expect(reread.standardOutput == original.standardOutput)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: exampleModel.path)))
    func textWithSidecarConvertsBackToTheSameModel() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-cli")
        defer { workspace.remove() }
        let original = try Qdqc.run(["print", Self.exampleModel.path, "--inline-tensors"])
        let text = try Qdqc.run(
            ["print", Self.exampleModel.path, "--sidecar", "weights.bin"], workingDirectory: workspace.url)
        #expect(text.status == 0, "\(text.standardError)")
        #expect(workspace.exists("weights.bin"), "the model has tensors of more than 64 elements")
        try workspace.write(Data(text.standardOutput.utf8), to: "model.onnxtxt")
        let convert = try Qdqc.run(
            ["model.onnxtxt", "-o", "back.onnx", "--passes", ""], workingDirectory: workspace.url)
        #expect(convert.status == 0, "\(convert.standardError)")
        let back = try Qdqc.run(["print", "back.onnx", "--inline-tensors"], workingDirectory: workspace.url)
        #expect(back.standardOutput == original.standardOutput)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: exampleModel.path)))
    func textOutputIsOnnxTextInlineOrWithExternalData() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-cli")
        defer { workspace.remove() }
        let original = try Qdqc.run(["print", Self.exampleModel.path, "--inline-tensors"])
        let inline = try Qdqc.run([Self.exampleModel.path, "-o", workspace.path("out.onnxtxt"), "--passes", ""])
        #expect(inline.status == 0, "\(inline.standardError)")
        let written = String(decoding: try Data(contentsOf: workspace.file("out.onnxtxt")), as: UTF8.self)
        #expect(written == original.standardOutput, "text output is the printer's inline text")

        let split = try Qdqc.run([
            Self.exampleModel.path, "-o", workspace.path("split.onnxtxt"), "--passes", "", "--external-data",
            "split.bin",
        ])
        #expect(split.status == 0, "\(split.standardError)")
        #expect(workspace.exists("split.bin"))
        let reread = try Qdqc.run(["print", workspace.path("split.onnxtxt"), "--inline-tensors"])
        #expect(reread.standardOutput == original.standardOutput)

        let threshold = try Qdqc.run([
            Self.exampleModel.path, "-o", workspace.path("t.onnxtxt"), "--external-data", "t.bin",
            "--external-data-threshold", "0",
        ])
        #expect(threshold.status == 64, "\(threshold.standardError)")
        #expect(!workspace.exists("t.onnxtxt"))
    }
}

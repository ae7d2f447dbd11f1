import Foundation
import TestSupport
import Testing

/// `equalize` on the MobileNet-style PP-OCR classifier: pairs are found, the float outputs stay equal in
/// ONNX Runtime (rtol 1e-4), and two runs write the same bytes.
@Suite struct EqualizeOnRealModelsTests {
    private static let name = "ppocr_mobile_v2_cls"

    private static var folder: URL? {
        guard let shared = RepositoryPaths.sharedModels else { return nil }
        let folder = shared.appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.onnx").path) ? folder : nil
    }

    @Test(.enabled(if: folder != nil, "no shared ppocr_mobile_v2_cls model; skipped"))
    func equalizingKeepsFloatOutputsAndIsDeterministic() throws {
        let folder = try #require(Self.folder)
        let model = folder.appendingPathComponent("model.onnx").path
        let scratch = try TemporaryDirectory(prefix: "qdqc-equalize")
        defer { scratch.remove() }
        var outputs: [Data] = []
        for run in 0..<2 {
            let output = scratch.file("equalized-\(run).onnx")
            let convert = try Qdqc.run([
                model, "-o", output.path, "--passes",
                "infer-shapes,fold-constants,fold-batchnorm,eliminate-identity,eliminate-dead-code,equalize",
                "--pass-statistics",
            ])
            try #require(convert.succeeded, "qdqc failed:\n\(convert.summary)")
            #expect(
                !convert.standardError.contains("equalized-pairs: 0\n"), "nothing equalized:\n\(convert.standardError)")
            #expect(!convert.standardError.contains("rescaled-channels: 0\n"))
            outputs.append(try Data(contentsOf: output))
        }
        #expect(outputs[0] == outputs[1], "two runs of equalize wrote different bytes")
        let check = try Python.runScript(
            "compare_float_models.py",
            [
                model, scratch.file("equalized-0.onnx").path, folder.appendingPathComponent("eval").path, "--limit",
                "4",
                "--rtol", "1e-4",
            ])
        #expect(check.succeeded, "equalized \(Self.name) disagrees with the original:\n\(check.summary)")
    }
}

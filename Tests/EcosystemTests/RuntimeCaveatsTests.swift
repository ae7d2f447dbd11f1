import Foundation
import TestSupport
import Testing

/// The note on ONNX Runtime's `ReluQuantRewrite`: qdqc names the FP8 pairs that read a Relu, and the pinned ONNX
/// Runtime still changes such a model's outputs at its default optimization level (so the note is still due);
/// an int8 model gets no note.
@Suite struct RuntimeCaveatsTests {
    static let examples = RepositoryPaths.examples
    static let model = examples.appendingPathComponent("digits_cnn.onnx").path

    private func convert(_ output: String, _ extra: [String]) throws -> ProcessResult {
        try Qdqc.run(
            [
                Self.model, "-o", output, "--calib-data", Self.examples.appendingPathComponent("digits_cnn.calib").path,
                "--calib-samples", "16",
            ] + extra)
    }

    @Test func fp8PairsReadingAReluAreNamedAndOnnxRuntimeStillRewritesThem() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-runtime-caveats")
        defer { scratch.remove() }
        let fp8 = try convert(scratch.path("fp8.onnx"), ["--activations", "float8e4m3fn", "--weights", "float8e4m3fn"])
        try #require(fp8.status == 0, "\(fp8.summary)")
        #expect(fp8.standardError.contains("2 FP8 QuantizeLinear node(s) read a Relu"), "\(fp8.summary)")
        #expect(fp8.standardError.contains("ReluQuantRewrite"))
        let check = try QuantizedModelTests.check(
            quantized: scratch.path("fp8.onnx"), float: Self.model,
            samples: Self.examples.appendingPathComponent("digits_cnn.eval").path, limit: 8, level: "all")
        let plain = try #require((check["sqnr_db"] as? [String: Double])?["logits"])
        let optimized = try #require((check["optimized_sqnr_db"] as? [String: Double])?["logits"])
        #expect(optimized < plain - 10, "ONNX Runtime no longer rewrites: \(plain) dB plain, \(optimized) optimized")
        let int8 = try convert(scratch.path("int8.onnx"), [])
        try #require(int8.status == 0, "\(int8.summary)")
        #expect(!int8.standardError.contains("read a Relu"), "\(int8.summary)")
    }
}

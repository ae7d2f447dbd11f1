import Foundation
import TestSupport
import Testing

/// W8A8 on small random-weight decoders (`Tests/Python/make_decoders.py`: GPT-style with an additive causal
/// mask of -1e4, Llama-style with RMSNorm, rotary embeddings and grouped-query attention): whatever the
/// target, the quantized decoder passes `onnx.checker`, runs in ONNX Runtime and stays close to the float
/// model (the masked Softmax inputs stay float; see insert-qdq's README).
@Suite struct DecoderActivationTests {
    @Test(arguments: ["gpt", "llama"], ["tensorrt", "ort"])
    func w8a8DecoderRunsInOnnxRuntime(model: String, target: String) throws {
        let folder = try TemporaryDirectory(prefix: "w8a8-\(model)-\(target)")
        defer { folder.remove() }
        try WeightOnlyDecoderTests.makeDecoders(in: folder)
        let float = folder.file("\(model).onnx").path
        let output = folder.file("\(model).w8a8.onnx").path
        let calib = folder.file("calib").path
        let run = try Qdqc.run([float, "-o", output, "--target", target, "--calib-data", calib, "--quiet"])
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")
        let result = try QuantizedModelTests.check(
            quantized: output, float: float, samples: calib, limit: 4, level: "all")
        let sqnr = (result["sqnr_db"] as? [String: Double])?.values.first ?? -.infinity
        #expect(sqnr > 15, "\(model) \(target): logits SQNR \(sqnr) dB against float")
    }
}

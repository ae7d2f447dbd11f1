import Foundation
import OnnxIO
import OnnxIR
import TestSupport
import Testing

/// `--outlier-channels` on the random-weight GPT-style and Llama-style decoders: the split float model
/// equals the original in ONNX Runtime, and the quantized one passes the checker, runs in ONNX Runtime,
/// and keeps its outlier side (Gather, MatMul, Add, mask Mul) free of Q/DQ.
///
/// Random weights have no real outliers, so the tests use a ratio of 1.1: every channel above 1.1× the
/// median is a candidate and the 20 % cap decides, which exercises the same rewrite.
@Suite struct OutlierChannelTests {
    /// The nodes the model's metadata says must stay float.
    static func floatNodes(of model: Model) -> [String] {
        let entry = model.metadataProps.last { $0.key == "qdqc.outlier_channels.float_nodes" }
        let names = entry.flatMap { try? JSONSerialization.jsonObject(with: Data($0.value.utf8)) as? [String] }
        return names ?? []
    }

    @Test(arguments: ["gpt", "llama"])
    func theSplitAloneKeepsTheFloatModel(model: String) throws {
        let folder = try TemporaryDirectory(prefix: "outliers-float-\(model)")
        defer { folder.remove() }
        try WeightOnlyDecoderTests.makeDecoders(in: folder)
        let float = folder.file("\(model).onnx").path
        let output = folder.file("\(model).split.onnx").path
        let calib = folder.file("calib").path
        let run = try Qdqc.run([
            float, "-o", output, "--calib-data", calib, "--passes", "infer-shapes,split-outlier-channels{ratio=1.1}",
        ])
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")
        #expect(run.standardError.contains("outlier channels of"), "\(run.standardError)")
        #expect(try !Self.floatNodes(of: ModelReader.read(path: output)).isEmpty)
        let result = try QuantizedModelTests.check(
            quantized: output, float: float, samples: calib, limit: 4, level: "all")
        let sqnr = (result["sqnr_db"] as? [String: Double])?.values.first ?? -.infinity
        #expect(sqnr > 90, "\(model): the split float model's logits differ from float's (\(sqnr) dB)")
    }

    @Test(arguments: ["gpt", "llama"], ["int8", "float8e4m3fn"])
    func outlierChannelsStayFloatInTheQuantizedModel(model: String, format: String) throws {
        let folder = try TemporaryDirectory(prefix: "outliers-\(model)-\(format)")
        defer { folder.remove() }
        try WeightOnlyDecoderTests.makeDecoders(in: folder)
        let float = folder.file("\(model).onnx").path
        let output = folder.file("\(model).q.onnx").path
        let calib = folder.file("calib").path
        let run = try Qdqc.run([
            float, "-o", output, "--calib-data", calib, "--outlier-channels", "1.1", "--activations", format,
            "--weights", format, "--quiet",
        ])
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")
        let quantized = try ModelReader.read(path: output)
        let floatNodes = Set(Self.floatNodes(of: quantized))
        #expect(!floatNodes.isEmpty)
        for node in quantized.graph.nodes where floatNodes.contains(node.name ?? "") {
            for input in node.inputs.compactMap({ $0 }) {
                #expect(input.producer?.opType != "DequantizeLinear", "\(node.displayName) reads a DequantizeLinear")
            }
        }
        let result = try QuantizedModelTests.check(
            quantized: output, float: float, samples: calib, limit: 4, level: "all")
        let sqnr = (result["sqnr_db"] as? [String: Double])?.values.first ?? -.infinity
        #expect(sqnr > 15, "\(model) \(format): logits SQNR \(sqnr) dB against float")
    }

    @Test func theFlagIsCheckedUpFront() throws {
        let folder = try TemporaryDirectory(prefix: "outliers-flags")
        defer { folder.remove() }
        try WeightOnlyDecoderTests.makeDecoders(in: folder)
        let float = folder.file("gpt.onnx").path
        let output = folder.file("out.onnx").path
        let calib = folder.file("calib").path
        for (flags, message) in [
            (["--outlier-channels", "1", "--calib-data", calib], "greater than 1"),
            (["--outlier-channels", "4"], "needs calibration samples"),
            (
                ["--outlier-channels", "4", "--calib-data", calib, "--activation-scales", "dynamic-per-token"],
                "static activation scales"
            ),
        ] {
            let run = try Qdqc.run([float, "-o", output] + flags)
            #expect(run.status == 64, "\(flags): \(run.summary)")
            #expect(run.standardError.contains(message), "\(flags): \(run.standardError)")
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }
}

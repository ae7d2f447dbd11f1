import Foundation
import TestSupport
import Testing

/// Weight-only quantization of the small decoders (`make_decoders.py`) to the formats no runtime in the venv
/// executes (FP4, NVFP4, MX, int2, minval): the written model passes `onnx.checker`, and qdqc's interpreter
/// gives `onnx.reference`'s outputs. Bad block sizes and opsets are one-line usage errors.
@Suite struct BlockFormatModelTests {
    @Test(arguments: [
        ["--weights", "float4e2m1", "--block-size", "32"], ["--weights", "nvfp4"], ["--weights", "mxfp4"],
        ["--weights", "mxfp8e4m3"], ["--weights", "mxfp8e5m2"], ["--weights", "mxint8"],
        ["--weights", "int2", "--block-size", "16", "--target", "ort"],
        ["--weights", "uint4", "--weight-zero-point", "minval", "--block-size", "16", "--target", "ort"],
        ["--weights", "nvfp4", "--weight-method", "gptq", "--calib-data", "CALIB"],
        ["--weights", "mxfp4", "--weight-method", "awq", "--calib-data", "CALIB"],
        ["--weights", "int2", "--block-size", "16", "--weight-method", "gptq", "--calib-data", "CALIB"],
    ])
    func writtenModelMatchesTheReference(format arguments: [String]) throws {
        let name = arguments.filter { !$0.hasPrefix("-") && $0 != "CALIB" }.joined(separator: "-")
        let folder = try TemporaryDirectory(prefix: "block-format-\(name)")
        defer { folder.remove() }
        try WeightOnlyDecoderTests.makeDecoders(in: folder)
        let float = folder.file("llama.onnx").path
        let output = folder.file("llama.\(name).onnx").path
        let calib = folder.file("calib").path
        let format = arguments.map { $0 == "CALIB" ? calib : $0 }
        let run = try Qdqc.run([float, "-o", output, "--activations", "none", "--quiet"] + format)
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")
        try WeightOnlyDecoderTests.expectInterpreterAgrees(
            model: output, folder: folder, oracle: .onnxReference(minimumSQNR: nil))
    }

    @Test(arguments: [
        (["--weights", "nvfp4", "--block-size", "32"], "block-size"),
        (["--weights", "mxfp4", "--block-size", "16"], "block-size"),
        (["--weights", "mxint8", "--per-channel"], "block-size"),
        (["--weights", "float4e2m1", "--weight-zero-point", "minval"], "zero-point"),
        (
            [
                "--weights", "mxfp4", "--passes",
                "infer-shapes,upgrade-opset{to=21},quantize-weights",
            ], "to=21"
        ),
    ])
    func badOptionsAreUsageErrors(arguments: [String], option: String) throws {
        let folder = try TemporaryDirectory(prefix: "block-format-usage")
        defer { folder.remove() }
        try WeightOnlyDecoderTests.makeDecoders(in: folder)
        let run = try Qdqc.run(
            [folder.file("gpt.onnx").path, "-o", folder.file("out.onnx").path, "--activations", "none"] + arguments)
        #expect(run.status == 64, "\(arguments): \(run.summary)")
        let lines = run.standardError.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains(option), "\(arguments): \(run.standardError)")
    }
}

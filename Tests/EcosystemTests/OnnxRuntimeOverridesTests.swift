import Foundation
import TestSupport
import Testing

/// `--quant-config` in ONNX Runtime's TensorQuantOverrides dialect gives the parameters `quantize_static` gives
/// with the same overrides (issue 20).
@Suite struct OnnxRuntimeOverridesTests {
    @Test func overridesGiveOnnxRuntimesScalesAndZeroPoints() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-ort-overrides")
        defer { scratch.remove() }
        let made = try Python.runScript("ort_overrides_roundtrip.py", ["make", scratch.url.path])
        try #require(made.succeeded, "quantize_static with the overrides failed:\n\(made.summary)")

        let ours = scratch.path("qdqc.onnx")
        let run = try Qdqc.run([
            scratch.path("model.onnx"), "-o", ours, "--calib-data", scratch.path("calib"), "--target", "ort",
            "--per-tensor", "--quant-config", scratch.path("overrides.json"), "--quiet",
        ])
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")
        let compared = try Python.runScript("ort_overrides_roundtrip.py", ["compare", scratch.url.path, ours])
        #expect(compared.succeeded, "\(compared.summary)")
    }

    @Test func theWholeExtraOptionsObjectIsRead() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-ort-overrides")
        defer { scratch.remove() }
        let made = try Python.runScript("ort_overrides_roundtrip.py", ["make", scratch.url.path])
        try #require(made.succeeded, "\(made.summary)")
        let overrides = try Data(contentsOf: scratch.file("overrides.json"))
        let wrapped = "{\"TensorQuantOverrides\": \(String(decoding: overrides, as: UTF8.self))}"
        let config = try scratch.write(Data(wrapped.utf8), to: "extra_options.json")

        let ours = scratch.path("qdqc.onnx")
        let run = try Qdqc.run([
            scratch.path("model.onnx"), "-o", ours, "--calib-data", scratch.path("calib"), "--target", "ort",
            "--per-tensor", "--quant-config", config, "--quiet",
        ])
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")
        let compared = try Python.runScript("ort_overrides_roundtrip.py", ["compare", scratch.url.path, ours])
        #expect(compared.succeeded, "\(compared.summary)")
    }

    @Test func aScaleOnAWeightIsRefusedNamingIt() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-ort-overrides")
        defer { scratch.remove() }
        let made = try Python.runScript("ort_overrides_roundtrip.py", ["make", scratch.url.path])
        try #require(made.succeeded, "\(made.summary)")
        let config = try scratch.write(
            Data("{\"w1\": [{\"scale\": 0.01, \"zero_point\": 0}]}".utf8), to: "weight.json")
        let output = scratch.path("qdqc.onnx")
        let run = try Qdqc.run([
            scratch.path("model.onnx"), "-o", output, "--calib-data", scratch.path("calib"), "--quant-config", config,
        ])
        #expect(!run.succeeded)
        #expect(run.standardError.contains("tensor 'w1' is a constant: 'scale'"), "\(run.summary)")
        #expect(!scratch.exists("qdqc.onnx"))
    }
}

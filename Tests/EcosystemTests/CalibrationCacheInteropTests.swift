import Foundation
import TestSupport
import Testing

/// `--calib-cache` with ONNX Runtime's caches gives `quantize_static`'s scales; `--write-trt-cache` writes a TensorRT
/// cache that reads back to the same scales (issue 20).
@Suite struct CalibrationCacheInteropTests {
    /// ONNX Runtime's JSON caches hold each tensor's [lowest, highest]; its text and flatbuffer caches one number,
    /// exact only for symmetric calibration.
    @Test(arguments: [
        ("cache/calibration.json", false), ("cache/tensors.json", false), ("cache/calibration.cache", true),
        ("cache/calibration.flatbuffers", true),
    ])
    func onnxRuntimesCacheGivesQuantizeStaticsScales(cache: String, symmetric: Bool) throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-calib-cache")
        defer { scratch.remove() }
        let made = try Python.runScript(
            "ort_calibration_cache.py", ["make", scratch.url.path] + (symmetric ? ["--symmetric"] : []))
        try #require(made.succeeded, "ONNX Runtime's calibrator failed:\n\(made.summary)")
        let ours = scratch.path("qdqc.onnx")
        let run = try Qdqc.run([
            scratch.path("model.onnx"), "-o", ours, "--calib-cache", scratch.path(cache), "--target", "ort",
            "--per-tensor", "--quiet",
        ])
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")
        let compared = try Python.runScript("ort_calibration_cache.py", ["compare", scratch.url.path, ours])
        #expect(compared.succeeded, "\(compared.summary)")
    }

    @Test func aTensorRTCacheWrittenByQdqcReadsBackToTheSameCache() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-calib-cache")
        defer { scratch.remove() }
        let made = try Python.runScript("ort_calibration_cache.py", ["make", scratch.url.path])
        try #require(made.succeeded, "\(made.summary)")
        let first = scratch.path("first.cache")
        let calibrated = try Qdqc.run([
            scratch.path("model.onnx"), "-o", scratch.path("a.onnx"), "--calib-data", scratch.path("calib"),
            "--target", "ort", "--symmetric-activations", "--write-trt-cache", first, "--quiet",
        ])
        try #require(calibrated.succeeded, "\(calibrated.summary)")
        let text = try String(contentsOfFile: first, encoding: .utf8)
        #expect(text.hasPrefix("TRT-8601-EntropyCalibration2\n") && text.contains("\nc1: "), "\(text)")

        let second = scratch.path("second.cache")
        let reread = try Qdqc.run([
            scratch.path("model.onnx"), "-o", scratch.path("b.onnx"), "--calib-cache", first, "--target", "ort",
            "--symmetric-activations", "--write-trt-cache", second, "--quiet",
        ])
        try #require(reread.succeeded, "\(reread.summary)")
        #expect(try String(contentsOfFile: second, encoding: .utf8) == text)
        // Symmetric activations depend on amax alone, which the cache keeps up to the ulps that share its scale:
        // here the model quantized from the cache has the calibrated model's scales.
        let same = try Python.runScript(
            "ort_calibration_cache.py", ["compare", scratch.url.path, scratch.path("b.onnx"), scratch.path("a.onnx")])
        #expect(same.succeeded, "\(same.summary)")
    }

    @Test func aBadCacheIsAUsageErrorNamingFileAndLine() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-calib-cache")
        defer { scratch.remove() }
        let made = try Python.runScript("ort_calibration_cache.py", ["make", scratch.url.path])
        try #require(made.succeeded, "\(made.summary)")
        let cache = try scratch.write(Data("TRT-8601-EntropyCalibration2\nx: 7f800000\n".utf8), to: "bad.cache")
        let run = try Qdqc.run([scratch.path("model.onnx"), "-o", scratch.path("out.onnx"), "--calib-cache", cache])
        #expect(!run.succeeded)
        #expect(run.standardError.contains("\(cache):2: tensor 'x': scale inf"), "\(run.summary)")
        #expect(!scratch.exists("out.onnx"))
    }
}

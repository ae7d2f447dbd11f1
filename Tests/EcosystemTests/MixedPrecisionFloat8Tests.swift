import Foundation
import TestSupport
import Testing

/// `--mixed-fp8`: a MatMul whose input is log-normal loses its small values on an int8 grid; the search moves
/// that input and the MatMul's weight to FP8 E4M3 together, which costs no wide MACs, and the model it writes
/// passes onnx.checker and runs in ONNX Runtime with the SQNR the search measured (also when SmoothQuant
/// rescaled the weight, whose FP8 codes then come from its int8 values).
@Suite struct MixedPrecisionFloat8Tests {
    /// Converts `model` for TensorRT with the target `--min-sqnr 20` and no MACs allowed wide.
    private func convert(_ model: String, in directory: String, output: String, report: String, extra: [String])
        throws -> ProcessResult
    {
        try Qdqc.run(
            [
                model, "-o", output, "--calib-data", directory + "/calib", "--eval-data", directory + "/eval",
                "--min-sqnr", "20", "--mixed-precision", "--max-wide-fraction", "0", "--report", report,
            ] + extra)
    }

    /// Writes make_heavy_tail.py's model and samples to `scratch/data`; returns that folder.
    static func heavyTailData(in scratch: TemporaryDirectory) throws -> String {
        let made = try Python.runScript("make_heavy_tail.py", [scratch.path("data")])
        try #require(made.succeeded, "\(made.summary)")
        return scratch.path("data")
    }

    @Test func aHeavyTailedLayerMovesToFP8AndRunsInOnnxRuntime() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-mixed-fp8")
        defer { scratch.remove() }
        let directory = try Self.heavyTailData(in: scratch)
        let model = directory + "/model.onnx"
        // Without FP8 nothing within the bound helps: the gate fails.
        let int8 = try convert(
            model, in: directory, output: scratch.path("int8.onnx"), report: scratch.path("int8.json"), extra: [])
        #expect(int8.status == 3, "\(int8.summary)")
        // SmoothQuant rescales the weight, which then has no float counterpart: it moves to FP8 from its int8
        // values, with the input of its MatMul, and ONNX Runtime still runs what the search measured.
        let smoothedReport = scratch.path("smoothed.json")
        let smoothed = try convert(
            model, in: directory, output: scratch.path("smoothed.onnx"), report: smoothedReport,
            extra: ["--mixed-fp8", "--smooth-quant", "--keep-on-failure"])
        #expect([0, 3].contains(smoothed.status), "\(smoothed.summary)")
        let smoothedSearch = try #require(
            try MixedPrecisionWideTests.json(smoothedReport)["mixedPrecision"] as? [String: Any])
        let smoothedRaised = try #require(smoothedSearch["raised"] as? [[String: Any]])
        #expect(smoothedRaised.count == 2 && smoothedRaised.allSatisfy { $0["precision"] as? String == "float8" })
        #expect(smoothedRaised.contains { $0["kind"] as? String == "weight" }, "\(smoothedRaised)")
        let smoothedCheck = try QuantizedModelTests.check(
            quantized: scratch.path("smoothed.onnx"), float: model, samples: directory + "/eval", limit: 8,
            level: "none")
        let smoothedAfter = try #require((smoothedSearch["after"] as? [[String: Any]])?.first?["sqnr"] as? Double)
        let smoothedInOnnxRuntime = try #require((smoothedCheck["sqnr_db"] as? [String: Double])?["y"])
        #expect(abs(smoothedInOnnxRuntime - smoothedAfter) < 0.05, "ORT \(smoothedInOnnxRuntime), \(smoothedAfter)")
        var models: [Data] = []
        for name in ["a", "b"] {
            let output = scratch.path("\(name).onnx")
            let report = scratch.path("\(name).json")
            let run = try convert(model, in: directory, output: output, report: report, extra: ["--mixed-fp8"])
            try #require(run.status == 0, "\(run.summary)")
            try MixedPrecisionWideTests.validate(report)
            let mixed = try #require(try MixedPrecisionWideTests.json(report)["mixedPrecision"] as? [String: Any])
            #expect(mixed["reached"] as? Bool == true)
            #expect(mixed["wideMACFraction"] as? Double == 0)
            #expect((mixed["format"] as? String)?.hasPrefix("FP8 E4M3 for int8 layers") == true)
            let raised = try #require(mixed["raised"] as? [[String: Any]])
            #expect(Set(raised.compactMap { $0["tensor"] as? String }) == ["e", "w"], "\(raised)")
            #expect(raised.allSatisfy { $0["precision"] as? String == "float8" }, "\(raised)")
            #expect(raised.first?["together"] as? [String] == ["w"], "\(raised)")
            #expect(run.standardError.contains("moved activation 'e' to FP8 E4M3 with 'w'"), "\(run.summary)")
            models.append(try Data(contentsOf: URL(fileURLWithPath: output)))
            if name == "a" {
                let check = try QuantizedModelTests.check(
                    quantized: output, float: model, samples: directory + "/eval", limit: 8, level: "all")
                #expect(check["opset"] as? Int == 19)
                #expect(check["quantize_types"] as? [String: Int] == ["float8e4m3fn": 1], "\(check)")
                let after = try #require((mixed["after"] as? [[String: Any]])?.first?["sqnr"] as? Double)
                let inOnnxRuntime = try #require((check["sqnr_db"] as? [String: Double])?["y"])
                #expect(after >= 20)
                #expect(abs(inOnnxRuntime - after) < 0.05, "ONNX Runtime \(inOnnxRuntime) dB, the search \(after) dB")
            }
        }
        #expect(models[0] == models[1], "the same bytes twice")
    }
}

import Foundation
import TestSupport
import Testing

/// A quantized output with infinite elements where the float model's are finite fails `--min-sqnr`: with ONNX
/// Runtime's placement, the heavy-tailed model's `Log` reads a uint8 pair whose smallest values round to 0.
@Suite struct BrokenOutputGateTests {
    @Test func anOutputThatTurnsInfiniteFailsTheGate() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-broken-output")
        defer { scratch.remove() }
        let directory = try MixedPrecisionFloat8Tests.heavyTailData(in: scratch)
        let report = scratch.path("report.json")
        let run = try Qdqc.run([
            directory + "/model.onnx", "-o", scratch.path("q.onnx"), "--target", "ort", "--calib-data",
            directory + "/calib", "--eval-data", directory + "/eval", "--min-sqnr", "10", "--report", report,
        ])
        #expect(run.status == 3, "\(run.summary)")
        #expect(run.standardError.contains("NaN or infinite where the float model's are finite"), "\(run.summary)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path("q.onnx")))
        try MixedPrecisionWideTests.validate(report)
        let evaluation = try #require(try MixedPrecisionWideTests.json(report)["evaluation"] as? [String: Any])
        let output = try #require((evaluation["outputs"] as? [[String: Any]])?.first)
        #expect(output["sqnr"] as? Double == -200)
        #expect((output["brokenElements"] as? Int ?? 0) > 0, "\(output)")
    }
}

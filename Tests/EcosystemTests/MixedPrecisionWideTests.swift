import Foundation
import TestSupport
import Testing

/// `--mixed-precision` with `--target ort`, whose engine runs 16-bit activation pairs: the search reaches its
/// target on the digits CNN by widening 8-bit activations to 16 bits only, and the model it writes passes
/// onnx.checker and runs in ONNX Runtime with the SQNR the search measured.
@Suite struct MixedPrecisionWideTests {
    static let examples = RepositoryPaths.examples
    static let model = examples.appendingPathComponent("digits_cnn.onnx").path
    static let calib = examples.appendingPathComponent("digits_cnn.calib").path
    static let eval = examples.appendingPathComponent("digits_cnn.eval").path

    /// Converts for ONNX Runtime, measuring on the first 8 eval/ samples (those the ONNX Runtime check runs).
    private func convert(_ output: String, report: String, target: String) throws -> ProcessResult {
        try Qdqc.run([
            Self.model, "-o", output, "--calib-data", Self.calib, "--calib-samples", "16", "--target", "ort",
            "--eval-data", Self.eval, "--eval-samples", "8", "--min-sqnr", target, "--mixed-precision",
            "--max-wide-fraction", "1", "--report", report,
        ])
    }

    /// The JSON object in the file at `path`.
    static func json(_ path: String) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    /// Checks the report at `path` against schemas/report.schema.json.
    static func validate(_ path: String) throws {
        let schema = RepositoryPaths.root.appendingPathComponent("schemas/report.schema.json").path
        let validation = try Python.runScript("validate_json_schema.py", [schema, path])
        #expect(validation.succeeded, "the report breaks schemas/report.schema.json:\n\(validation.summary)")
    }

    @Test func sixteenBitActivationsReachTheTargetAndRunInOnnxRuntime() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-mixed-wide")
        defer { scratch.remove() }
        let plain = try Qdqc.run([
            Self.model, "-o", scratch.path("plain.onnx"), "--calib-data", Self.calib, "--calib-samples", "16",
            "--target", "ort", "--eval-data", Self.eval, "--eval-samples", "8", "--report", scratch.path("plain.json"),
            "--quiet",
        ])
        try #require(plain.succeeded, "\(plain.summary)")
        let baseline = try #require(
            ((try Self.json(scratch.path("plain.json"))["evaluation"] as? [String: Any])?["outputs"] as? [[String: Any]])?
                .first?["sqnr"] as? Double)
        let target = String(format: "%.2f", baseline + 5)
        var raisedLists: [[String]] = []
        var models: [Data] = []
        for name in ["a", "b"] {
            let output = scratch.path("\(name).onnx")
            let run = try convert(output, report: scratch.path("\(name).json"), target: target)
            try #require(run.status == 0, "\(run.summary)")
            try Self.validate(scratch.path("\(name).json"))
            let mixed = try #require(try Self.json(scratch.path("\(name).json"))["mixedPrecision"] as? [String: Any])
            #expect(mixed["reached"] as? Bool == true)
            #expect(mixed["formatNote"] == nil, "ORT runs 16-bit pairs")
            let raised = try #require(mixed["raised"] as? [[String: Any]])
            #expect(!raised.isEmpty)
            #expect(raised.allSatisfy { $0["precision"] as? String == "wide" }, "16 bits were enough: \(raised)")
            raisedLists.append(raised.map { "\($0["tensor"] ?? "?") \($0["precision"] ?? "?")" })
            models.append(try Data(contentsOf: URL(fileURLWithPath: output)))
            if name == "a" {
                let check = try QuantizedModelTests.check(
                    quantized: output, float: Self.model, samples: Self.eval, limit: 8, level: "all")
                #expect(check["opset"] as? Int == 21)
                let types = check["quantize_types"] as? [String: Int] ?? [:]
                #expect((types["uint16"] ?? 0) + (types["int16"] ?? 0) == raised.count, "\(types)")
                let after = try #require((mixed["after"] as? [[String: Any]])?.first?["sqnr"] as? Double)
                let inOnnxRuntime = try #require((check["sqnr_db"] as? [String: Double])?.values.first)
                #expect(inOnnxRuntime >= baseline + 5 - 0.5, "ONNX Runtime runs it at \(inOnnxRuntime) dB")
                #expect(abs(inOnnxRuntime - after) < 0.5, "ONNX Runtime \(inOnnxRuntime) dB, the search \(after) dB")
            }
        }
        #expect(raisedLists[0] == raisedLists[1], "deterministic")
        #expect(models[0] == models[1], "the same bytes twice")
    }
}

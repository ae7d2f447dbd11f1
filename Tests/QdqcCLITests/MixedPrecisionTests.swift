import Foundation
import TestSupport
import Testing

/// `--sensitivity` in the report and `--mixed-precision` (the gate's bars as a target) on the bundled example.
@Suite struct MixedPrecisionTests {
    static let examples = RepositoryPaths.examples
    static let model = examples.appendingPathComponent("digits_cnn.onnx").path
    static let calib = examples.appendingPathComponent("digits_cnn.calib").path

    /// Converts on 16 calibration samples, measuring on the next 8 (held back from calibration).
    private func convert(_ extra: [String], in scratch: TemporaryDirectory) throws -> ProcessResult {
        try Qdqc.run(
            [
                Self.model, "-o", scratch.path("out.onnx"), "--calib-data", Self.calib, "--calib-samples", "16",
                "--eval-samples", "8",
            ] + extra)
    }

    /// The JSON object in the file at `path`.
    static func json(_ path: String) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    /// Checks the report at `report` against schemas/report.schema.json.
    static func validate(_ report: String) throws {
        let schema = RepositoryPaths.root.appendingPathComponent("schemas/report.schema.json").path
        let validation = try Python.runScript("validate_json_schema.py", [schema, report])
        #expect(validation.succeeded, "the report breaks schemas/report.schema.json:\n\(validation.summary)")
    }

    @Test func aTargetAboveTheDefaultIsReachedByLeavingSensitiveTensorsFloat() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-mixed")
        defer { scratch.remove() }
        let plain = try convert(["--quiet", "--sensitivity", "--report", scratch.path("plain.json")], in: scratch)
        try #require(plain.status == 0, "\(plain.summary)")
        try Self.validate(scratch.path("plain.json"))
        let evaluation = try #require(try Self.json(scratch.path("plain.json"))["evaluation"] as? [String: Any])
        let baseline = try #require((evaluation["outputs"] as? [[String: Any]])?.first?["sqnr"] as? Double)
        let sensitivity = try #require(evaluation["sensitivity"] as? [String: Any])
        #expect((sensitivity["tensors"] as? [Any])?.isEmpty == false)
        let target = String(format: "%.2f", baseline + 3)
        var reports: [[String: Any]] = []
        for name in ["a.json", "b.json"] {
            let run = try convert(
                [
                    "--min-sqnr", target, "--mixed-precision", "--max-wide-fraction", "1", "--report",
                    scratch.path(name),
                ],
                in: scratch)
            try #require(run.status == 0, "\(run.summary)")
            #expect(run.standardError.contains("mixed precision: target reached"), "\(run.standardError)")
            try Self.validate(scratch.path(name))
            reports.append(try Self.json(scratch.path(name)))
        }
        let mixed = try #require(reports[0]["mixedPrecision"] as? [String: Any])
        #expect(mixed["reached"] as? Bool == true)
        let raised = try #require(mixed["raised"] as? [[String: Any]])
        #expect(!raised.isEmpty)
        // The default target, TensorRT, runs no 16-bit activation pairs: every raise is to float, and it says so.
        #expect(raised.allSatisfy { $0["precision"] as? String == "float" }, "\(raised)")
        #expect((mixed["formatNote"] as? String)?.contains("tensorrt") == true)
        let measured = try #require(
            ((reports[0]["evaluation"] as? [String: Any])?["outputs"] as? [[String: Any]])?.first?["sqnr"] as? Double)
        #expect(measured >= baseline + 3 - 0.01, "the written model, measured as the gate does: \(measured) dB")
        let after = try #require((mixed["after"] as? [[String: Any]])?.first?["sqnr"] as? Double)
        #expect(abs(after - measured) < 0.01, "the search's measure is the gate's: \(after) vs \(measured)")
        let again = (reports[1]["mixedPrecision"] as? [String: Any])?["raised"] as? [[String: Any]]
        #expect(again?.map { $0["tensor"] as? String } == raised.map { $0["tensor"] as? String }, "deterministic")
    }

    @Test func aTargetOutOfReachWithinTheBoundFailsWithStatus3AndSaysWhatWasLacking() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-mixed-fail")
        defer { scratch.remove() }
        let run = try convert(
            [
                "--min-sqnr", "500", "--mixed-precision", "--max-wide-fraction", "0.05", "--report",
                scratch.path("r.json"),
            ],
            in: scratch)
        #expect(run.status == 3, "\(run.summary)")
        #expect(run.standardError.contains("mixed precision: target NOT reached"), "\(run.standardError)")
        #expect(run.standardError.contains("best model found:"), "\(run.standardError)")
        #expect(!scratch.exists("out.onnx"), "no output, as for any failed gate")
        let mixed = try #require(try Self.json(scratch.path("r.json"))["mixedPrecision"] as? [String: Any])
        #expect(mixed["reached"] as? Bool == false)
        #expect((mixed["lacking"] as? String)?.contains("< 500") == true)
        #expect((mixed["wideMACFraction"] as? Double ?? 1) <= 0.05)
    }

    @Test func mixedPrecisionOptionsAreCheckedAsUsage() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-mixed-usage")
        defer { scratch.remove() }
        #expect(try convert(["--mixed-precision"], in: scratch).status == 64)
        #expect(try convert(["--max-wide-fraction", "0.2", "--min-sqnr", "10"], in: scratch).status == 64)
        #expect(try convert(["--mixed-fp8", "--min-sqnr", "10"], in: scratch).status == 64)
        #expect(
            try convert(["--mixed-precision", "--min-sqnr", "10", "--max-wide-fraction", "2"], in: scratch).status == 64
        )
    }
}

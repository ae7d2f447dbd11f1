import Foundation
import TestSupport
import Testing

/// `convert --report`, `--min-sqnr`, `--max-drop --metric` and `--keep-on-failure` on the bundled example.
@Suite struct AccuracyGateTests {
    static let examples = RepositoryPaths.examples
    static let model = examples.appendingPathComponent("digits_cnn.onnx").path
    static let calib = examples.appendingPathComponent("digits_cnn.calib").path
    static let eval = examples.appendingPathComponent("digits_cnn.eval").path
    /// The documented exit status of a failed accuracy gate (docs/cli.md).
    static let gateFailed: Int32 = 3

    private func convert(_ extra: [String], in scratch: TemporaryDirectory) throws -> ProcessResult {
        try Qdqc.run(
            [Self.model, "-o", scratch.file("out.onnx").path, "--calib-data", Self.calib, "--quiet"] + extra)
    }

    @Test func anUnreachableSQNRBarFailsWithStatus3AndNoOutput() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-gate")
        defer { scratch.remove() }
        let report = scratch.file("report.json")
        let run = try convert(
            ["--eval-data", Self.eval, "--eval-samples", "8", "--min-sqnr", "1000", "--report", report.path],
            in: scratch)
        #expect(run.status == Self.gateFailed, "\(run.summary)")
        #expect(run.standardError.hasPrefix("error: \(Self.model): accuracy gate failed: output 'logits' SQNR"))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("out.onnx").path), "no output on a failed gate")
        let object = try Self.json(report)
        let gate = try #require(object["gate"] as? [String: Any])
        #expect(gate["passed"] as? Bool == false)
        #expect((object["output"] as? [String: Any])?["written"] as? Bool == false)
    }

    @Test func aReachableSQNRBarPasses() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-gate-pass")
        defer { scratch.remove() }
        let run = try convert(["--eval-data", Self.eval, "--eval-samples", "8", "--min-sqnr", "10"], in: scratch)
        #expect(run.status == 0, "\(run.summary)")
        #expect(FileManager.default.fileExists(atPath: scratch.file("out.onnx").path))
    }

    @Test func keepOnFailureWritesTheOutputButStillFails() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-gate-keep")
        defer { scratch.remove() }
        let run = try convert(
            ["--eval-data", Self.eval, "--eval-samples", "4", "--min-sqnr", "1000", "--keep-on-failure"], in: scratch)
        #expect(run.status == Self.gateFailed, "\(run.summary)")
        #expect(FileManager.default.fileExists(atPath: scratch.file("out.onnx").path))
    }

    @Test func metricDropIsCheckedOnBothModels() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-gate-metric")
        defer { scratch.remove() }
        // A metric that tells the models apart: 1 for the float model, 0.25 for anything else.
        let metric = "case {model} in *digits_cnn.onnx) echo 1;; *) echo 0.25;; esac"
        let report = scratch.file("report.json")
        let failing = try convert(["--max-drop", "0.5", "--metric", metric, "--report", report.path], in: scratch)
        #expect(failing.status == Self.gateFailed, "\(failing.summary)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("out.onnx").path))
        let checks = try #require((try Self.json(report)["gate"] as? [String: Any])?["checks"] as? [[String: Any]])
        #expect(checks.first?["floatMetric"] as? Double == 1)
        #expect(checks.first?["quantizedMetric"] as? Double == 0.25)
        #expect(checks.first?["value"] as? Double == 0.75)
        let passing = try convert(["--max-drop", "0.8", "--metric", metric], in: scratch)
        #expect(passing.status == 0, "\(passing.summary)")
        #expect(FileManager.default.fileExists(atPath: scratch.file("out.onnx").path))
    }

    @Test func gateOptionsAreCheckedAsUsage() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-gate-usage")
        defer { scratch.remove() }
        #expect(try convert(["--max-drop", "1"], in: scratch).status == 64)
        #expect(try convert(["--max-drop", "1", "--metric", "echo 1"], in: scratch).status == 64)
        #expect(try convert(["--keep-on-failure"], in: scratch).status == 64)
        let broken = try convert(["--max-drop", "1", "--metric", "exit 7 {model}"], in: scratch)
        #expect(broken.status == 1, "\(broken.summary)")
        #expect(broken.standardError.hasPrefix("error: --metric:"))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("out.onnx").path))
    }

    @Test func reportFollowsItsSchemaAndSaysWhereAccuracyWasMeasured() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-report")
        defer { scratch.remove() }
        let report = scratch.file("report.json")
        let run = try convert(["--calib-samples", "24", "--report", report.path], in: scratch)
        try #require(run.status == 0, "\(run.summary)")
        let schema = RepositoryPaths.root.appendingPathComponent("schemas/report.schema.json").path
        let validation = try Python.runScript("validate_json_schema.py", [schema, report.path])
        #expect(validation.succeeded, "the report breaks schemas/report.schema.json:\n\(validation.summary)")
        let object = try Self.json(report)
        let evaluation = try #require(object["evaluation"] as? [String: Any])
        #expect(evaluation["source"] as? String == "held-back-calibration")
        #expect(evaluation["firstSample"] as? Int == 24)
        #expect(evaluation["endSample"] as? Int == 32)
        let outputs = try #require(evaluation["outputs"] as? [[String: Any]])
        #expect(outputs.map { $0["output"] as? String } == ["logits"])
        let passes = try #require(object["passes"] as? [[String: Any]])
        #expect(!passes.isEmpty && passes.allSatisfy { $0["seconds"] is Double && $0["statistics"] is [String: Any] })
        let tensors = try #require(object["tensors"] as? [[String: Any]])
        #expect(tensors.contains { $0["quantized"] as? Bool == true && $0["calibratedRange"] != nil })
        let input = try #require(object["input"] as? [String: Any])
        let hash = try Python.runCode(
            "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())", [Self.model])
        #expect(input["sha256"] as? String == hash.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(object["qdqcVersion"] as? String != nil && object["pipeline"] as? String != nil)

        let reused = scratch.file("reused.json")
        let all = try convert(["--report", reused.path], in: scratch)
        try #require(all.status == 0, "\(all.summary)")
        let allEvaluation = try #require(try Self.json(reused)["evaluation"] as? [String: Any])
        #expect(allEvaluation["source"] as? String == "calibration", "no held-back samples: the report must say so")
    }

    @Test func helpListsTheReportAndGateOptions() throws {
        let convertHelp = try Qdqc.run(["convert", "--help"])
        #expect(convertHelp.status == 0)
        for option in [
            "--report", "--eval-data", "--eval-samples", "--min-sqnr", "--max-drop", "--metric",
            "--keep-on-failure",
        ] {
            #expect(convertHelp.standardOutput.contains(option), "convert help lacks \(option)")
        }
        let help = try Qdqc.run(["--help"])
        #expect(help.standardOutput.contains("compare") && help.standardOutput.contains("3 accuracy gate failed"))
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }
}

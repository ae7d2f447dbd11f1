import Foundation
import TestSupport
import Testing

/// Quantizing inside If, Loop and Scan bodies (issue 18): random-weight models with weights inside the bodies
/// (initializers and Constant nodes), values captured from outside and nested bodies, made by
/// Tests/Python/make_control_flow.py. The result passes onnx.checker, runs in ONNX Runtime close to the float
/// model, has pairs inside the bodies, and the report and `qdqc compare` name body tensors by their paths.
@Suite struct ControlFlowQuantizationTests {
    /// Makes the model of `kind` (if, loop, scan) with its calib/ and eval/ samples in `folder`.
    private static func make(_ kind: String, in folder: TemporaryDirectory) throws -> String {
        let run = try Python.runScript("make_control_flow.py", [kind, folder.url.path])
        try #require(run.succeeded, "\(run.summary)")
        return folder.path("\(kind).onnx")
    }

    /// Tensor rows of a JSON object's array `key`.
    private static func rows(_ text: String, _ key: String) throws -> [[String: Any]] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        return try #require(object[key] as? [[String: Any]], "no '\(key)' in \(text.prefix(200))")
    }

    @Test(arguments: ["if", "loop", "scan"], ["ort", "tensorrt"])
    func bodiesAreQuantizedAndRunInOnnxRuntime(kind: String, target: String) throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-control-flow-\(kind)")
        defer { folder.remove() }
        let model = try Self.make(kind, in: folder)
        let output = folder.path("\(kind).\(target).onnx")
        let report = folder.path("report.json")
        let run = try Qdqc.run([
            model, "-o", output, "--calib-data", folder.path("calib"), "--target", target, "--report", report,
        ])
        try #require(run.succeeded, "\(run.summary)")

        let check = try Python.runScript("qdq_model_check.py", [output, model, folder.path("eval"), "--limit", "16"])
        try #require(check.succeeded, "\(check.summary)")
        let result = try #require(
            try JSONSerialization.jsonObject(with: Data(check.standardOutput.utf8)) as? [String: Any])
        for key in ["sqnr_db", "optimized_sqnr_db"] {
            let sqnr = try #require(result[key] as? [String: Double], "\(check.standardOutput)")
            for (name, value) in sqnr { #expect(value > 20, "\(kind) \(target): \(key) \(name) at \(value) dB") }
        }

        let reportText = try String(contentsOfFile: report, encoding: .utf8)
        let tensors = try Self.rows(reportText, "tensors")
        let body = tensors.filter { ($0["tensor"] as? String)?.contains("|") == true }
        let quantizedBody = body.filter { $0["quantized"] as? Bool == true }
        #expect(quantizedBody.count >= 2, "\(kind) \(target): quantized body tensors \(body)")
        // Then-branch initializer Wt, else-branch Constant We, loop-body initializer Wb, scan-body Constant Wx.
        let bodyWeights = ["|Wt", "|We", "|Wb", "|Wx"]
        let weightInBody = quantizedBody.contains { row in
            bodyWeights.contains { (row["tensor"] as? String ?? "").hasSuffix($0) }
        }
        #expect(weightInBody, "\(kind) \(target): no weight inside a body was quantized: \(quantizedBody)")
        let schema = RepositoryPaths.root.appendingPathComponent("schemas/report.schema.json").path
        let valid = try Python.runScript("validate_json_schema.py", [schema, report])
        #expect(valid.succeeded, "\(valid.summary)")
        let object = try JSONSerialization.jsonObject(with: Data(reportText.utf8)) as? [String: Any]
        let evaluation = try #require(object?["evaluation"] as? [String: Any], "no evaluation in the report")
        let measured = try #require(evaluation["bodyTensors"] as? [[String: Any]], "no bodyTensors: \(evaluation)")
        #expect(measured.contains { ($0["sqnr"] as? Double ?? 0) > 10 }, "\(measured)")

        let compare = try Qdqc.run([
            "compare", model, output, "--data", folder.path("eval"), "--samples", "4", "--json", "--quiet",
        ])
        try #require(compare.succeeded, "\(compare.summary)")
        let compared = try Self.rows(compare.standardOutput, "tensors")
        let bodyRows = compared.filter { ($0["tensor"] as? String)?.contains("|") == true }
        #expect(!bodyRows.isEmpty, "\(kind) \(target): compare lists no body tensor")
        for row in bodyRows { #expect((row["sqnr"] as? Double ?? 0) > 10, "\(row)") }
    }

    /// The inner If of the `if` model never takes its then branch: calibration says so, and insert-qdq leaves
    /// that branch's tensors in float with the reason instead of failing or inventing a range (`ort`, which
    /// quantizes MatMul outputs: the branch's MatMul output is the tensor that never ran).
    @Test func aBranchNoSampleTookIsReportedAndLeftFloat() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-control-flow-never")
        defer { folder.remove() }
        let model = try Self.make("if", in: folder)
        let output = folder.path("if.q.onnx")
        let report = folder.path("report.json")
        let run = try Qdqc.run([
            model, "-o", output, "--calib-data", folder.path("calib"), "--report", report, "--target", "ort",
        ])
        try #require(run.succeeded, "\(run.summary)")
        #expect(run.standardError.contains("never ran on the calibration samples"), "\(run.standardError)")
        #expect(run.standardError.contains("gate|then_branch|inner_if|then_branch|n_mm"), "\(run.standardError)")
        let tensors = try Self.rows(try String(contentsOfFile: report, encoding: .utf8), "tensors")
        let never = tensors.first { $0["tensor"] as? String == "gate|then_branch|inner_if|then_branch|n_mm" }
        #expect(never == nil || never?["quantized"] as? Bool == false)
        let skipped = tensors.filter { ($0["rule"] as? String)?.contains("never ran on a calibration sample") == true }
        #expect(!skipped.isEmpty, "no tensor left float for never running: \(tensors)")
    }
}

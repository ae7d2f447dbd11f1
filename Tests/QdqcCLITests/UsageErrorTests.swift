import Foundation
import TestSupport
import Testing

/// Every flag group of `convert` reports a bad value as a usage error: exit status 64, one line, no output.
@Suite struct UsageErrorTests {
    @Test(arguments: [
        // The command's own flags and the pipeline text.
        (["--passes", "nope"], "unknown pass 'nope'"),
        (["--passes", "eliminate-dead-code,"], "column 21"),
        (["--passes", "topological-sort{x=1}"], "has no option 'x'"),
        (["--external-data", "../w.bin"], "must not contain '..'"),
        (["--external-data-threshold", "10"], "needs --external-data"),
        (["--no-such-flag"], "no-such-flag"),
        // InstrumentationOptions.
        (["--reproducer", ""], "--reproducer needs a folder"),
        (["--print-ir-tree-dir", ""], "--print-ir-tree-dir needs a folder"),
        (["--print-ir-tree-format", "onnx"], "--print-ir-tree-format needs --print-ir-tree-dir"),
        (["--print-ir-tree-dir", "d", "--print-ir-tree-format", "png"], "--print-ir-tree-format 'png': expected"),
        // ReportOptions.
        (["--eval-samples", "0"], "--eval-samples must be at least 1"),
        // AccuracyGateOptions.
        (["--max-drop", "1"], "--max-drop needs --metric"),
        // CalibrationOptions: the first two are rejected by the calibrate pass the flag reaches.
        (["--calib-method", "bogus"], "bogus"),
        (["--calib-option", "bins=many"], "bins"),
        (["--calib-samples", "0"], "--calib-samples must be at least 1"),
        // CalibrationCacheOptions.
        (["--calib-cache", "c.json", "--calib-random"], "--calib-cache replaces calibration"),
        (["--write-trt-cache", ""], "--write-trt-cache must not be empty"),
        // QuantizationOptions: the last two are rejected by insert-qdq itself.
        (["--target", "gpu"], "--target 'gpu' is unknown"),
        (["--activations", "int3"], "--activations 'int3' is not a format"),
        (["--block-size", "0"], "--block-size must be at least 1"),
        (["--block-size", "32", "--per-tensor"], "exclude each other"),
        (["--per-channel", "--per-tensor"], "per"),
        (["--exclude-nodes", "("], "exclude-nodes '('"),
        (["--quant-config", "missing.json"], "missing.json"),
        // SmoothQuantOptions.
        (["--smooth-quant=2"], "--smooth-quant=2"),
    ])
    func aBadFlagExits64WithOneLineAndNoOutput(_ extra: [String], _ fragment: String) throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-usage")
        defer { workspace.remove() }
        let input = try workspace.write(OnnxFixtures.smallModel(), to: "in.onnx")
        let outcome = try Qdqc.run(
            [input, "-o", workspace.path("out.onnx"), "--calib-random", "--quiet"] + extra,
            workingDirectory: workspace.url)
        #expect(outcome.status == 64, "\(extra): \(outcome.standardError)")
        #expect(outcome.errorLines.count == 1, "\(outcome.standardError)")
        #expect(outcome.standardError.hasPrefix("error: "), "\(outcome.standardError)")
        #expect(outcome.standardError.contains(fragment), "\(outcome.standardError)")
        #expect(!workspace.exists("out.onnx"))
    }

    @Test func aBadValueAFlagSetsNamesThePassNotAColumnOfTheDefaultPipeline() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-usage")
        defer { workspace.remove() }
        let input = try workspace.write(OnnxFixtures.smallModel(), to: "in.onnx")
        let outcome = try Qdqc.run([input, "-o", workspace.path("out.onnx"), "--calib-random", "--calib-method", "x"])
        #expect(outcome.status == 64, "\(outcome.standardError)")
        #expect(
            outcome.standardError.hasPrefix("error: pass 'calibrate': option 'method' is 'x'"),
            "\(outcome.standardError)")
    }

    @Test func withoutOutputTheReportIsAUsageError() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-usage")
        defer { workspace.remove() }
        let input = try workspace.write(OnnxFixtures.smallModel(), to: "in.onnx")
        let outcome = try Qdqc.run([input, "--passes", "", "--report", workspace.path("r.json")])
        #expect(outcome.status == 64, "\(outcome.standardError)")
        #expect(outcome.standardError.contains("--report needs -o/--output"), "\(outcome.standardError)")
        let dryRun = try Qdqc.run([input, "--passes", "eliminate-dead-code"])
        #expect(dryRun.status == 0, "\(dryRun.standardError)")
        #expect(dryRun.standardError == "1 passes run, 1 changed the model; nothing written (no -o)\n")
        #expect(workspace.contents() == ["in.onnx"])
    }
}

import Foundation
import TestSupport
import Testing

/// `--kv-cache`, `--kv-cache-granularity`, `--weights none` and `qdqc run --generate` from the command line, on a
/// one-layer cache written in ONNX text (the golden case of `quantize-kv-cache`).
@Suite struct KVCacheFlagsTests {
    /// A step of a decoder with past: one layer's keys and values of 2 heads of 2 channels, logits = the embedding.
    static let model = Data(
        """
        <ir_version: 10, opset_import: ["" : 17]>
        kv_step (int64[B,T] input_ids, float[B,2,P,2] past_key_values_0_key, float[B,2,P,2] past_key_values_0_value) => (float[B,T,4] logits, float[B,2,S,2] present_0_key, float[B,2,S,2] present_0_value)
           <float[5,4] table = {0.5, -1.0, 2.0, 0.25, -0.5, 1.5, 0.1, -3.0, 1.0, 1.0, -1.0, 0.75, 0.2, -0.4, 0.6, -0.8, 2.5, 0.3, -0.2, 0.9},
            int64[4] split_heads = {0, 0, 2, 2}>
        {
           x = Gather <axis: int = 0> (table, input_ids)
           r = Reshape (x, split_heads)
           k = Transpose <perm: ints = [0, 2, 1, 3]> (r)
           present_0_key = Concat <axis: int = 2> (past_key_values_0_key, k)
           v = Neg (k)
           present_0_value = Concat <axis: int = 2> (past_key_values_0_value, v)
           logits = Identity (x)
        }
        """.utf8)

    static func prepare(_ workspace: TemporaryDirectory) throws -> (model: String, calib: String) {
        let model = try workspace.write(Self.model, to: "kv.onnxtxt")
        let calib = workspace.path("calib")
        let sample = URL(fileURLWithPath: calib).appendingPathComponent("0000")
        try FileManager.default.createDirectory(at: sample, withIntermediateDirectories: true)
        try Int64Npy.data([1, 3, 0, 4, 2], shape: [1, 5]).write(to: sample.appendingPathComponent("input_ids.npy"))
        return (model, calib)
    }

    @Test func cacheOnlyRunChangesTheInterfaceAndRecordsIt() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-kv")
        defer { workspace.remove() }
        let (model, calib) = try Self.prepare(workspace)
        let outcome = try Qdqc.run([
            model, "-o", workspace.path("out.onnxtxt"), "--kv-cache", "int8", "--kv-cache-granularity", "tensor",
            "--activations", "none", "--weights", "none", "--calib-data", calib,
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let text = try String(contentsOfFile: workspace.path("out.onnxtxt"), encoding: .utf8)
        #expect(text.contains("int8[B,2,P,2] past_key_values_0_key"), "\(text)")
        #expect(text.contains("int8[B,2,S,2] present_0_value"), "\(text)")
        #expect(
            text.contains(
                "\"qdqc.kv_cache.pairs\": \"past_key_values_0_key:present_0_key,past_key_values_0_value:present_0_value\""
            ), "\(text)")
        // The generation loop runs on the quantized model in the interpreter.
        let generated = try Qdqc.run([
            "run", workspace.path("out.onnxtxt"), "--input", "input_ids=" + calib + "/0000/input_ids.npy", "--generate",
            "3",
            "-o", workspace.path("tokens.npz"),
        ])
        #expect(generated.status == 0, "\(generated.standardError)")
        #expect(generated.standardError.contains("tokens: "), "\(generated.standardError)")
    }

    @Test(arguments: [
        (["--weights", "none", "--activations", "none"], "quantize nothing"),
        (["--weights", "none", "--per-tensor"], "--per-channel/--per-tensor does not apply to --weights none"),
        (["--kv-cache", "int4", "--activations", "none", "--weights", "none"], "--kv-cache 'int4' is unknown"),
        (["--kv-cache-granularity", "head"], "need --kv-cache"),
        (
            ["--kv-cache", "int8", "--kv-cache-granularity", "row", "--activations", "none", "--weights", "none"],
            "--kv-cache-granularity 'row'"
        ),
        (
            ["--kv-cache", "int8", "--activations", "none", "--weights", "none", "--block-size", "32"],
            "--block-size does not apply to --weights none"
        ),
    ])
    func usageErrors(flags: [String], message: String) throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-kv")
        defer { workspace.remove() }
        let (model, calib) = try Self.prepare(workspace)
        let outcome = try Qdqc.run([model, "-o", workspace.path("out.onnx"), "--calib-data", calib] + flags)
        #expect(outcome.status == 64, "\(outcome.standardError)")
        #expect(outcome.standardError.contains(message), "\(outcome.standardError)")
        #expect(!workspace.exists("out.onnx"))
    }

    @Test func kvCacheNeedsCalibrationData() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-kv")
        defer { workspace.remove() }
        let (model, _) = try Self.prepare(workspace)
        let outcome = try Qdqc.run([
            model, "-o", workspace.path("out.onnx"), "--kv-cache", "int8", "--activations", "none", "--weights", "none",
        ])
        #expect(outcome.status == 64, "\(outcome.standardError)")
        #expect(outcome.standardError.contains("--kv-cache calibrates"), "\(outcome.standardError)")
    }
}

import Foundation
import TestSupport
import Testing

/// Models that already hold Q/DQ pairs (issue 18): a QAT export the project makes itself keeps every learned
/// scale through qdqc, across targets, and bad pairs are one-line errors unless `--requantize`.
@Suite struct ForeignQDQTests {
    private static let examples = RepositoryPaths.examples
    private static let calib = examples.appendingPathComponent("digits_cnn.calib").path
    private static let eval = examples.appendingPathComponent("digits_cnn.eval").path

    /// Generates the QAT digits model (Tests/Python/make_qat_digits.py) into `folder`.
    private static func makeQATModel(in folder: TemporaryDirectory) throws -> String {
        let path = folder.path("digits_qat.onnx")
        let run = try Python.runScript(
            "make_qat_digits.py", [examples.appendingPathComponent("digits_cnn.onnx").path, calib, path])
        try #require(run.succeeded, "\(run.summary)")
        return path
    }

    private static func convert(_ input: String, to output: String, _ flags: [String]) throws {
        let run = try Qdqc.run([input, "-o", output, "--quiet", "--calib-data", calib] + flags)
        try #require(run.succeeded, "\(run.summary)")
    }

    /// `{"kept": N, "missing": [...], "changed": [...]}` of foreign_qdq_check.py.
    private static func keptParameters(of reference: String, in candidate: String) throws -> [String: Any] {
        let run = try Python.runScript("foreign_qdq_check.py", [reference, candidate, "--require-all"])
        let json = try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any]
        let result = try #require(json, "\(run.summary)")
        #expect(run.succeeded, "\(candidate): \(run.standardOutput)")
        return result
    }

    private static func accuracy(_ model: String) throws -> String {
        let run = try Python.runScript("example_accuracy.py", [model, eval])
        try #require(run.succeeded, "\(run.summary)")
        return run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func qatDigitsKeepsEveryLearnedScaleAcrossTargets() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-qat")
        defer { folder.remove() }
        let qat = try Self.makeQATModel(in: folder)
        let qatAccuracy = try Self.accuracy(qat)

        let tensorRT = folder.path("qat.trt.onnx")
        try Self.convert(qat, to: tensorRT, ["--target", "tensorrt"])
        let kept = try Self.keptParameters(of: qat, in: tensorRT)
        #expect(kept["kept"] as? Int == 5, "3 activation scales and 2 per-channel weights: \(kept)")
        #expect(try Self.accuracy(tensorRT) == qatAccuracy)
        #expect(try TensorRTRules.violations(modelAt: tensorRT) == [])

        let onnxRuntime = folder.path("qat.ort.onnx")
        try Self.convert(tensorRT, to: onnxRuntime, ["--target", "ort"])
        #expect(try Self.keptParameters(of: qat, in: onnxRuntime)["kept"] as? Int == 5)

        let back = folder.path("qat.back.onnx")
        try Self.convert(onnxRuntime, to: back, ["--target", "tensorrt"])
        #expect(try Self.keptParameters(of: qat, in: back)["kept"] as? Int == 5)
        #expect(try Self.accuracy(back) == qatAccuracy)
    }

    /// ONNX Runtime's default activations (uint8, asymmetric) fold each Relu into the pair after it (zero point
    /// 0 clamps the same); import-qdq must give the float graph those clamps back, or the ReLUs are lost.
    @Test func onnxRuntimeFoldedReLUsComeBackAsClamps() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-folded")
        defer { folder.remove() }
        let ort = folder.path("digits.ort.onnx")
        let made = try Python.runScript(
            "make_ort_quantized.py",
            [Self.examples.appendingPathComponent("digits_cnn.onnx").path, Self.calib, ort, "--activations", "uint8"])
        try #require(made.succeeded, "\(made.summary)")
        #expect(!made.standardOutput.contains("Relu"), "ONNX Runtime kept its Relus: \(made.standardOutput)")
        let ortAccuracy = try Self.accuracy(ort)

        let imported = folder.path("digits.imported.onnx")
        let run = try Qdqc.run([
            ort, "-o", imported, "--passes", "convert-qoperator,import-qdq", "--pass-statistics",
        ])
        try #require(run.succeeded, "\(run.summary)")
        #expect(run.standardError.contains("clamps-restored: 5"), "\(run.standardError)")
        // Measured: 62/64 for both; without the clamps the float graph gets 61/64.
        #expect(try Self.accuracy(imported) == ortAccuracy)

        let tensorRT = folder.path("digits.trt.onnx")
        try Self.convert(ort, to: tensorRT, ["--target", "tensorrt"])
        #expect(try Self.accuracy(tensorRT) == ortAccuracy)
    }

    @Test func requantizeReplacesTheLearnedActivationScales() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-qat-requantize")
        defer { folder.remove() }
        let qat = try Self.makeQATModel(in: folder)
        let output = folder.path("qat.requantized.onnx")
        try Self.convert(qat, to: output, ["--requantize"])
        let run = try Python.runScript("foreign_qdq_check.py", [qat, output])
        #expect(!run.succeeded, "calibrated scales should differ from the learned ones: \(run.standardOutput)")
        #expect(run.standardOutput.contains("relu1"))
    }

    /// Asking for FP8 moves every learned int8 pair to float8e4m3fn over its learned range (scale = amax / 448),
    /// says what each change costs, and the result passes the checker and runs in ONNX Runtime.
    @Test func qatDigitsMovesToFloat8OverTheLearnedRanges() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-qat-fp8")
        defer { folder.remove() }
        let qat = try Self.makeQATModel(in: folder)
        let output = folder.path("qat.fp8.onnx")
        let report = folder.path("report.json")
        let run = try Qdqc.run([
            qat, "-o", output, "--calib-data", Self.calib, "--activations", "float8e4m3fn", "--weights",
            "float8e4m3fn", "--report", report,
        ])
        try #require(run.succeeded, "\(run.summary)")
        #expect(run.standardError.contains("5 of the model's pairs moved to float8"), "\(run.summary)")
        let check = try Python.runScript("foreign_float8_check.py", [qat, output])
        let json = try JSONSerialization.jsonObject(with: Data(check.standardOutput.utf8)) as? [String: Any]
        #expect(check.succeeded, "\(check.summary)")
        #expect(json?["converted"] as? Int == 5, "3 activations and 2 per-channel weights: \(check.standardOutput)")
        #expect((json?["missing"] as? [String])?.isEmpty == true, "\(check.standardOutput)")
        let text = try String(contentsOfFile: report, encoding: .utf8)
        #expect(text.components(separatedBy: "converted int8 → float8e4m3fn").count - 1 == 5, "\(text.prefix(2000))")
        #expect(text.components(separatedBy: "SQNR against").count - 1 == 5)
        let correct = try Self.accuracy(output).split(separator: "/").first.flatMap { Int($0) }
        let learned = try Self.accuracy(qat).split(separator: "/").first.flatMap { Int($0) }
        // Measured: 62/64, the QAT model's own; E4M3 is coarser than int8 near the ends of each range.
        #expect(
            (correct ?? 0) >= (learned ?? 99) - 2,
            "float8 \(String(describing: correct)), QAT \(String(describing: learned))")
    }

    /// A 16-bit pair holds more than FP8 E4M3 can: asking for FP8 is a one-line error naming the tensor and the
    /// node, and `--requantize` calibrates FP8 instead.
    @Test func sixteenBitPairRefusesFloat8UnlessRequantize() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-int16-fp8")
        defer { folder.remove() }
        let text = """
            <ir_version: 10, opset_import: ["" : 21]>
            g (float[2,4] x) => (float[2,4] y) <float s = {0.001}, int16 z = {0}, float[4,4] w = {1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0}> {
               [xq_node] xq = QuantizeLinear (x, s, z)
               [xd_node] xd = DequantizeLinear (xq, s, z)
               y = MatMul (xd, w)
            }
            """
        let input = try folder.write(Data(text.utf8), to: "int16.onnxtxt")
        let output = folder.path("out.onnx")
        let flags = ["--calib-random", "--activations", "float8e4m3fn", "--weights", "float8e4m3fn"]
        let refused = try Qdqc.run([input, "-o", output, "--quiet"] + flags)
        #expect(refused.status == 1, "\(refused.summary)")
        #expect(
            refused.errorLines.count == 1 && refused.errorLines[0].contains("'x'")
                && refused.errorLines[0].contains("'xq_node'"), "\(refused.summary)")
        #expect(!folder.exists("out.onnx"))
        let accepted = try Qdqc.run([input, "-o", output, "--requantize"] + flags)
        #expect(accepted.succeeded, "\(accepted.summary)")
    }

    /// A pair with a zero scale, and a DequantizeLinear whose type disagrees with its QuantizeLinear.
    static let badPairs: [(name: String, text: String, node: String)] = [
        (
            "zero scale",
            """
            <ir_version: 8, opset_import: ["" : 17]>
            g (float[1,4] x) => (float[1,4] y) <float s = {0.0}, int8 z = {0}> {
               [xq_node] xq = QuantizeLinear (x, s, z)
               [xd_node] xd = DequantizeLinear (xq, s, z)
               y = Relu (xd)
            }
            """, "xq_node"
        ),
        (
            "type mismatch",
            """
            <ir_version: 8, opset_import: ["" : 17]>
            g (float[1,4] x) => (float[1,4] y) <float s = {0.1}, int8 z = {0}, uint8 z2 = {0}> {
               [xq_node] xq = QuantizeLinear (x, s, z)
               [xd_node] xd = DequantizeLinear (xq, s, z2)
               y = Relu (xd)
            }
            """, "xd_node"
        ),
    ]

    @Test(arguments: badPairs.indices)
    func inconsistentPairIsAOneLineErrorUnlessRequantize(_ index: Int) throws {
        let bad = Self.badPairs[index]
        let folder = try TemporaryDirectory(prefix: "qdqc-bad-pair")
        defer { folder.remove() }
        let input = try folder.write(Data(bad.text.utf8), to: "bad.onnxtxt")
        let output = folder.path("out.onnx")
        let refused = try Qdqc.run([input, "-o", output, "--calib-random"])
        #expect(refused.status == 1, "\(bad.name): \(refused.summary)")
        #expect(refused.errorLines.count == 1 && refused.errorLines[0].contains("'\(bad.node)'"), "\(refused.summary)")
        #expect(!folder.exists("out.onnx"))
        let accepted = try Qdqc.run([input, "-o", output, "--calib-random", "--requantize", "--target", "ort"])
        #expect(accepted.succeeded, "\(bad.name): \(accepted.summary)")
    }
}

/// ONNX Runtime's QOperator format converts to QDQ with equal outputs, and then quantizes for TensorRT.
@Suite struct QOperatorConversionTests {
    private static let examples = RepositoryPaths.examples
    private static let calib = examples.appendingPathComponent("digits_cnn.calib").path

    @Test func digitsQOperatorModelConvertsWithEqualOutputsInOnnxRuntime() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-qoperator")
        defer { folder.remove() }
        let qoperator = folder.path("digits.qop.onnx")
        let made = try Python.runScript(
            "make_ort_quantized.py",
            [
                Self.examples.appendingPathComponent("digits_cnn.onnx").path, Self.calib, qoperator, "--format",
                "qoperator",
            ])
        try #require(made.succeeded, "\(made.summary)")
        #expect(made.standardOutput.contains("QLinearConv") && made.standardOutput.contains("com.microsoft.QGemm"))

        let converted = folder.path("digits.qdq.onnx")
        let run = try Qdqc.run([qoperator, "-o", converted, "--quiet", "--passes", "convert-qoperator"])
        try #require(run.succeeded, "\(run.summary)")
        let compare = try Python.runScript(
            "qoperator_equivalence.py",
            [qoperator, converted, Self.examples.appendingPathComponent("digits_cnn.eval").path])
        try #require(compare.succeeded, "\(compare.summary)")
        let json = try JSONSerialization.jsonObject(with: Data(compare.standardOutput.utf8)) as? [String: Any]
        let logits = try #require(json?["logits"] as? [String: Any], "\(compare.standardOutput)")
        let steps = try #require(logits["steps"] as? Double, "\(compare.standardOutput)")
        // Measured: 0 (bit-exact) on this model; the bar is one quantization step of the output.
        #expect(steps <= 1, "\(compare.standardOutput)")

        let tensorRT = folder.path("digits.trt.onnx")
        let full = try Qdqc.run([qoperator, "-o", tensorRT, "--quiet", "--calib-data", Self.calib])
        #expect(full.succeeded, "\(full.summary)")
        #expect(try TensorRTRules.violations(modelAt: tensorRT) == [])
    }
}

/// A shared model's `quantize_static` output (ONNX Runtime's QDQ placement) moved to TensorRT's: ORT's
/// parameters are kept where a pair survives, and the logits lose at most 0.5 dB against ORT's own model.
@Suite struct OnnxRuntimeQDQToTensorRTTests {
    private static let sharedModelsMissing =
        "no shared models folder (neither <repo>/../shared/models nor /work/shared/models); skipped"

    @Test(
        .enabled(if: RepositoryPaths.sharedModels != nil, Comment(rawValue: sharedModelsMissing)),
        arguments: ["ppocr_mobile_v2_cls"])
    func keepsOnnxRuntimeScalesAndItsAccuracy(name: String) throws {
        let models = try #require(RepositoryPaths.sharedModels)
        let folder = try TemporaryDirectory(prefix: "qdqc-ort-foreign")
        defer { folder.remove() }
        let json = folder.path("rows.json")
        let bench = RepositoryPaths.root.appendingPathComponent("Tests/Benchmarks/foreign_qdq_bench.py").path
        let run = try Python.runCode(
            "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
            [
                bench, "--qdqc", try Qdqc.executable().path, "--models", models.path, "--only", name,
                "--calib-limit", "16", "--eval-limit", "8", "--json", json,
            ])
        try #require(run.succeeded, "\(run.summary)")
        let data = try Data(contentsOf: URL(fileURLWithPath: json))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let row = try #require((object?["rows"] as? [[String: Any]])?.first, "\(run.standardOutput)")
        let kept = try #require(row["kept"] as? [String: Any], "\(row)")
        #expect((kept["kept"] as? Int ?? 0) > 0, "\(kept)")
        #expect((kept["changed"] as? [String])?.isEmpty == true, "\(kept)")
        let sqnr = try #require(row["sqnr"] as? [String: [Double]], "\(row)")
        let logits = try #require(sqnr.first { $0.key.hasPrefix("logits ") }?.value, "\(sqnr)")
        #expect(logits[1] >= logits[0] - 0.5, "logits SQNR: ORT \(logits[0]) dB, qdqc tensorrt \(logits[1]) dB")
    }
}

import Foundation
import TestSupport
import Testing

/// Models quantized by qdqc's default pipeline, checked with the real ecosystem: `onnx.checker` (full check)
/// accepts them, ONNX Runtime loads and runs them, their outputs stay close to the float model's, and models
/// for TensorRT follow TensorRT's rules.
@Suite struct QuantizedModelTests {
    /// One quantization of the bundled digits CNN and what it must reach.
    struct FormatCase: CustomTestStringConvertible, Sendable {
        let name: String
        let flags: [String]
        /// The least SQNR of the logits, in dB, with the Q/DQ semantics run as written.
        let minimumSQNR: Double
        /// ONNX Runtime's optimization level for the fused run (TensorRT models: basic, see below).
        let level: String
        var testDescription: String { name }
    }

    // ONNX Runtime 1.32's QDQ propagation (extended level) fails to load opset-21 models whose MaxPool
    // reads a DequantizeLinear without a QuantizeLinear after it, which is what TensorRT's placement writes:
    // TensorRT models are run at the basic level.
    static let formatCases: [FormatCase] = [
        FormatCase(name: "tensorrt int8", flags: ["--target", "tensorrt"], minimumSQNR: 30, level: "basic"),
        FormatCase(name: "ort uint8", flags: ["--target", "ort"], minimumSQNR: 25, level: "all"),
        FormatCase(
            name: "ort int8 symmetric", flags: ["--target", "ort", "--activations", "int8", "--symmetric-activations"],
            minimumSQNR: 25, level: "all"),
        FormatCase(
            name: "ort int16", flags: ["--target", "ort", "--activations", "int16", "--weights", "int16"],
            minimumSQNR: 25, level: "all"),
        FormatCase(
            name: "ort uint16", flags: ["--target", "ort", "--activations", "uint16"], minimumSQNR: 25, level: "all"),
        FormatCase(
            name: "tensorrt float8",
            flags: ["--target", "tensorrt", "--activations", "float8e4m3fn", "--weights", "float8e4m3fn"],
            minimumSQNR: 15, level: "basic"),
        FormatCase(
            name: "ort float8",
            flags: ["--target", "ort", "--activations", "float8e4m3fn", "--weights", "float8e4m3fn"],
            minimumSQNR: 15, level: "basic"),
        FormatCase(
            name: "ort int4 blocks", flags: ["--target", "ort", "--weights", "int4", "--block-size", "16"],
            minimumSQNR: 12, level: "all"),
        FormatCase(
            name: "tensorrt int4 blocks", flags: ["--target", "tensorrt", "--weights", "int4", "--block-size", "32"],
            minimumSQNR: 12, level: "basic"),
    ]

    static let digits = RepositoryPaths.examples.appendingPathComponent("digits_cnn.onnx")

    @Test(arguments: formatCases)
    func digitsModelInEveryFormatRunsInOnnxRuntime(_ format: FormatCase) throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-formats")
        defer { folder.remove() }
        let output = folder.file("digits.q.onnx").path
        let convert = try Qdqc.run(
            [
                Self.digits.path, "-o", output, "--quiet", "--calib-data",
                RepositoryPaths.examples.appendingPathComponent("digits_cnn.calib").path, "--calib-samples", "16",
            ] + format.flags)
        try #require(convert.succeeded, "\(convert.summary)")
        let result = try Self.check(
            quantized: output, float: Self.digits.path,
            samples: RepositoryPaths.examples.appendingPathComponent("digits_cnn.eval").path, limit: 32,
            level: format.level)
        let sqnr = try #require((result["sqnr_db"] as? [String: Double])?["logits"])
        #expect(sqnr >= format.minimumSQNR, "\(format.name): logits SQNR \(sqnr) dB")
        let agreement = try #require(result["top1_agreement"] as? Double)
        #expect(agreement >= 0.9, "\(format.name): top-1 agreement \(agreement)")
        if format.flags == ["--target", "tensorrt"] {
            #expect(try TensorRTRules.violations(modelAt: output) == [])
        }
    }

    @Test func ortTargetFusesTheDigitsModelIntoIntegerKernels() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-fusion")
        defer { folder.remove() }
        let output = folder.file("digits.q.onnx").path
        let convert = try Qdqc.run([
            Self.digits.path, "-o", output, "--quiet", "--target", "ort", "--calib-data",
            RepositoryPaths.examples.appendingPathComponent("digits_cnn.calib").path, "--calib-samples", "8",
        ])
        try #require(convert.succeeded, "\(convert.summary)")
        let result = try Self.check(
            quantized: output, float: Self.digits.path,
            samples: RepositoryPaths.examples.appendingPathComponent("digits_cnn.eval").path, limit: 4,
            level: "all", optimized: folder.file("optimized.onnx").path)
        let counts = try #require(result["optimized_op_counts"] as? [String: Int])
        #expect(counts["QLinearConv"] == 2, "\(counts)")
        #expect(counts["QGemm"] == 1, "\(counts)")
        #expect(counts["Conv"] == nil && counts["Gemm"] == nil, "no float Conv or Gemm left: \(counts)")
    }

    /// The shared real models (calibration subset), both targets. Calibrating them in a debug build takes
    /// minutes, so this runs with the release binary (`QDQC_BINARY`, as CI sets it).
    @Test(
        .enabled(if: RepositoryPaths.sharedModels != nil, "needs ../shared/models"),
        .enabled(
            if: ProcessInfo.processInfo.environment["QDQC_BINARY"] != nil,
            "set QDQC_BINARY to a release qdqc: calibrating real models in a debug build is slow"),
        arguments: ["tensorrt", "ort"])
    func sharedModelsQuantizeLoadAndRun(_ target: String) throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-shared-\(target)")
        defer { folder.remove() }
        var failures: [String] = []
        for model in RepositoryPaths.sharedModelFiles() {
            let name = model.deletingLastPathComponent().lastPathComponent
            let directory = model.deletingLastPathComponent()
            let output = folder.file("\(name).q.onnx").path
            let convert = try Qdqc.run([
                model.path, "-o", output, "--quiet", "--target", target, "--calib-data",
                directory.appendingPathComponent("calib").path, "--calib-samples", "4",
            ])
            guard convert.succeeded else {
                failures.append("\(name): qdqc failed: \(convert.standardError)")
                continue
            }
            do {
                let result = try Self.check(
                    quantized: output, float: model.path, samples: directory.appendingPathComponent("eval").path,
                    limit: 2, level: target == "ort" ? "all" : "basic")
                let sqnr = (result["sqnr_db"] as? [String: Double]) ?? [:]
                if sqnr.values.contains(where: { !$0.isFinite }) { failures.append("\(name): SQNR \(sqnr)") }
            } catch {
                failures.append("\(name): \(error)")
            }
            if target == "tensorrt" {
                let problems = try TensorRTRules.violations(modelAt: output)
                if !problems.isEmpty { failures.append("\(name): TensorRT rules: \(problems.prefix(5))") }
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// Runs Tests/Python/qdq_model_check.py and returns its JSON result.
    static func check(
        quantized: String, float: String, samples: String, limit: Int, level: String, optimized: String? = nil
    ) throws -> [String: Any] {
        var arguments = [quantized, float, samples, "--limit", String(limit), "--level", level]
        if let optimized { arguments += ["--optimized", optimized] }
        let run = try Python.runScript("qdq_model_check.py", arguments)
        guard run.succeeded else {
            throw ScriptFailure(description: "qdq_model_check.py: \(run.standardError)")
        }
        guard let object = try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any]
        else { throw ScriptFailure(description: "qdq_model_check.py printed no JSON object") }
        return object
    }
}

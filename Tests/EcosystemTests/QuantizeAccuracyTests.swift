import Foundation
import TestSupport
import Testing

/// qdqc's static quantization against ONNX Runtime's `quantize_static` on the same model, data and
/// calibration method, side by side in one run (issues 5 and 6): every float output's SQNR on `eval/`
/// at least quantize_static's minus 0.5 dB, and with `--target ort` at least as many integer kernels in
/// ONNX Runtime's optimized graph. The full six-model comparison is Tests/Benchmarks/quantize_bench.py.
@Suite struct QuantizeAccuracyTests {
    /// The two fastest shared models; the debug CI run stays short with few samples.
    static let models = ["ppocr_mobile_v2_cls", "silero_vad_lstm"]
    static let calibrationSamples = 16
    static let evaluationSamples = 8
    /// How far below quantize_static a qdqc output's SQNR may be.
    static let marginDB = 0.5

    /// Why the suite cannot run here, or nil when it can.
    static let unavailable: String? = {
        guard RepositoryPaths.sharedModels != nil else {
            return "no shared models folder (neither <repo>/../shared/models nor /work/shared/models)"
        }
        guard let help = try? Qdqc.run(["convert", "--help"]) else {
            return "qdqc is not built (or QDQC_BINARY is wrong)"
        }
        let text = help.standardOutput + help.standardError
        guard text.contains("--calib-data"), text.contains("--target") else {
            return "this qdqc cannot quantize yet: `qdqc convert --help` lists no --calib-data/--target"
        }
        return nil
    }()

    /// quant_metrics.py failed or printed something unexpected.
    struct MetricsFailure: Error, CustomStringConvertible {
        let description: String
    }

    struct Setup: CustomTestStringConvertible, Sendable {
        let model: String
        let target: String
        var testDescription: String { "\(model) --target \(target)" }
    }

    static let setups: [Setup] = models.flatMap { model in
        ["ort", "tensorrt"].map { Setup(model: model, target: $0) }
    }

    @Test(.enabled(if: unavailable == nil, Comment(rawValue: unavailable ?? "")), arguments: setups)
    func sqnrAndFusedKernelsReachQuantizeStatic(setup: Setup) throws {
        let shared = try #require(RepositoryPaths.sharedModels)
        let folder = shared.appendingPathComponent(setup.model)
        let model = folder.appendingPathComponent("model.onnx").path
        let scratch = try TemporaryDirectory(prefix: "qdqc-quantize-accuracy")
        defer { scratch.remove() }
        let calibration = try Self.subset(
            of: folder.appendingPathComponent("calib"), count: Self.calibrationSamples, in: scratch.file("calib"))

        let ours = scratch.file("qdqc.onnx").path
        let convert = try Qdqc.run([
            model, "-o", ours, "--calib-data", calibration.path, "--target", setup.target, "--quiet",
        ])
        try #require(convert.succeeded, "qdqc could not quantize \(setup.model):\n\(convert.summary)")

        // quantize_static on every op it supports: its default, and its best on these two models.
        let theirs = scratch.file("ort.onnx").path
        let reference = try Python.runScript(
            "quant_metrics.py",
            ["ort-quantize", model, theirs, "--calib", calibration.path, "--limit", String(Self.calibrationSamples)])
        try #require(reference.succeeded, "quantize_static failed on \(setup.model):\n\(reference.summary)")

        let eval = folder.appendingPathComponent("eval").path
        let ourAccuracy = try Self.accuracy(model, ours, eval)
        let theirAccuracy = try Self.accuracy(model, theirs, eval)
        for (output, theirSQNR) in theirAccuracy {
            let ourSQNR = try #require(ourAccuracy[output], "qdqc's \(setup.model) lacks output \(output)")
            #expect(
                ourSQNR >= theirSQNR - Self.marginDB,
                "\(setup.testDescription): output \(output) SQNR \(ourSQNR) dB < quantize_static's \(theirSQNR) dB - \(Self.marginDB)"
            )
        }

        if setup.target == "ort" {
            let ourKernels = try Self.fusedKernels(ours)
            let theirKernels = try Self.fusedKernels(theirs)
            #expect(
                ourKernels >= theirKernels,
                "\(setup.model): \(ourKernels) fused integer kernels in ONNX Runtime, quantize_static's output has \(theirKernels)"
            )
        }
    }

    /// A folder of links to the first `count` samples of `source`, so both quantizers see the same data.
    static func subset(of source: URL, count: Int, in folder: URL) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: source.path).filter { $0.hasSuffix(".npz") }
            .sorted().prefix(count)
        for name in names {
            try FileManager.default.createSymbolicLink(
                at: folder.appendingPathComponent(name), withDestinationURL: source.appendingPathComponent(name))
        }
        return folder
    }

    /// SQNR (dB) of each float output of `quantized` against `float` on the evaluation samples.
    static func accuracy(_ float: String, _ quantized: String, _ eval: String) throws -> [String: Double] {
        let run = try Python.runScript(
            "quant_metrics.py",
            ["accuracy", "--float", float, "--quant", quantized, "--data", eval, "--limit", String(evaluationSamples)])
        guard run.succeeded else {
            throw MetricsFailure(description: "quant_metrics.py accuracy failed:\n\(run.summary)")
        }
        let json = try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any]
        guard let outputs = json?["outputs"] as? [String: [String: Any]] else {
            throw MetricsFailure(description: "quant_metrics.py accuracy printed no outputs: \(run.standardOutput)")
        }
        var result: [String: Double] = [:]
        for (name, entry) in outputs {
            if let value = entry["sqnr_db"] as? Double {
                result[name] = value
            } else if let text = entry["sqnr_db"] as? String {
                // Infinite SQNR (identical outputs) travels as text in JSON.
                result[name] = Double(text) ?? (text == "inf" ? .infinity : -.infinity)
            }
        }
        return result
    }

    /// Integer kernels (QLinear*, QGemm, ...) in ONNX Runtime's optimized CPU graph of `model`.
    static func fusedKernels(_ model: String) throws -> Int {
        let run = try Python.runScript("quant_metrics.py", ["fused", model])
        guard run.succeeded else { throw MetricsFailure(description: "quant_metrics.py fused failed:\n\(run.summary)") }
        let json = try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any]
        guard let total = json?["total"] as? Int else {
            throw MetricsFailure(description: "quant_metrics.py fused printed no total: \(run.standardOutput)")
        }
        return total
    }
}

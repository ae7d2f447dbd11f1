import Foundation
import TestSupport
import Testing

/// `qdqc compare` against ONNX Runtime's own accuracy debugger (`qdq_loss_debug`), on QDQ models that
/// ONNX Runtime's `quantize_static` wrote, so the check does not depend on qdqc's own quantization.
@Suite struct CompareCommandTests {
    /// Largest disagreement allowed with qdq_loss_debug's per-tensor SQNR.
    static let toleranceDecibels = 0.5
    /// Tensors with fewer compared elements (e.g. 12 values of a squeeze-excite block over two samples)
    /// move by tenths of a dB when one int8 rounding flips between ONNX Runtime's and qdqc's float
    /// arithmetic; they get this looser bound instead, so the test measures matching, not rounding luck.
    static let tinyTensorElements = 256
    static let tinyToleranceDecibels = 2.0

    static let sharedModelsMissing =
        "no shared models folder (neither <repo>/../shared/models nor /work/shared/models); skipped"

    /// The real models the issue names, when present.
    static let realModels: [String] = {
        guard let folder = RepositoryPaths.sharedModels else { return [] }
        return ["all_minilm_l6_v2", "ppocr_v4_det"].filter {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("\($0)/model.onnx").path)
        }
    }()

    @Test func exampleModelAgreesWithOnnxRuntime() throws {
        let model = RepositoryPaths.examples.appendingPathComponent("digits_cnn.onnx")
        try checkAgainstOnnxRuntime(
            model: model, calib: RepositoryPaths.examples.appendingPathComponent("digits_cnn.calib"),
            eval: RepositoryPaths.examples.appendingPathComponent("digits_cnn.eval"), calibSamples: 8, evalSamples: 8,
            minimumShared: 4)
    }

    @Test(
        .enabled(if: RepositoryPaths.sharedModels != nil, Comment(rawValue: sharedModelsMissing)),
        .enabled(
            if: ProcessInfo.processInfo.environment["QDQC_BINARY"] != nil,
            "set QDQC_BINARY to a release qdqc: running real models in a debug build is slow"),
        arguments: realModels)
    func realModelAgreesWithOnnxRuntime(name: String) throws {
        let folder = try #require(RepositoryPaths.sharedModels).appendingPathComponent(name)
        try checkAgainstOnnxRuntime(
            model: folder.appendingPathComponent("model.onnx"), calib: folder.appendingPathComponent("calib"),
            eval: folder.appendingPathComponent("eval"), calibSamples: 2, evalSamples: 2, minimumShared: 100)
    }

    /// Quantizes with ONNX Runtime, measures with qdq_loss_debug and with `qdqc compare`, and compares.
    private func checkAgainstOnnxRuntime(
        model: URL, calib: URL, eval: URL, calibSamples: Int, evalSamples: Int, minimumShared: Int
    ) throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-compare")
        defer { scratch.remove() }
        let quantized = scratch.file("model.qdq.onnx")
        let quantize = try Python.runScript(
            "qdq_loss_debug.py", ["quantize", model.path, quantized.path, calib.path, "\(calibSamples)"])
        try #require(quantize.succeeded, "quantize_static failed:\n\(quantize.summary)")
        let reference = scratch.file("ort.json")
        let debug = try Python.runScript(
            "qdq_loss_debug.py", ["errors", model.path, quantized.path, eval.path, "\(evalSamples)", reference.path])
        try #require(debug.succeeded, "qdq_loss_debug failed:\n\(debug.summary)")
        let compare = try Qdqc.run(
            [
                "compare", model.path, quantized.path, "--data", eval.path, "--samples", "\(evalSamples)", "--json",
                "--quiet",
            ])
        try #require(compare.succeeded, "qdqc compare failed:\n\(compare.summary)")

        let (ours, elements) = try Self.rows(fromCompareJSON: Data(compare.standardOutput.utf8))
        let theirs = try Self.activations(fromReference: Data(contentsOf: reference))
        let shared = theirs.keys.filter { ours[$0] != nil }.sorted()
        #expect(
            shared.count >= minimumShared,
            "only \(shared.count) tensors in common (qdq_loss_debug: \(theirs.count), qdqc: \(ours.count))")
        let missing = theirs.keys.filter { ours[$0] == nil }.sorted()
        #expect(missing.isEmpty, "qdqc compare did not report tensors qdq_loss_debug did: \(missing.prefix(10))")
        for tiny in [false, true] {
            var worst = (name: "", difference: 0.0)
            for name in shared where ((elements[name] ?? 0) < Self.tinyTensorElements) == tiny {
                let difference = abs((ours[name] ?? .nan) - (theirs[name] ?? .nan))
                if !(difference <= worst.difference) { worst = (name, difference) }
            }
            let bound = tiny ? Self.tinyToleranceDecibels : Self.toleranceDecibels
            #expect(
                worst.difference <= bound,
                """
                '\(worst.name)' (\(elements[worst.name] ?? 0) elements): qdqc \(ours[worst.name] ?? .nan) dB, \
                qdq_loss_debug \(theirs[worst.name] ?? .nan) dB
                """)
        }
    }

    @Test func tableListsTheWorstTensorFirst() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-compare-table")
        defer { scratch.remove() }
        let (model, quantized, eval) = try Self.quantizedExample(in: scratch)
        let json = try Qdqc.run(
            ["compare", model.path, quantized.path, "--data", eval.path, "--samples", "4", "--json", "--quiet"])
        try #require(json.succeeded, "\(json.summary)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let tensors = try #require(object["tensors"] as? [[String: Any]])
        let values = tensors.compactMap { $0["sqnr"] as? Double }
        #expect(values.count == tensors.count && !values.isEmpty)
        #expect(values == values.sorted(), "rows must come worst (lowest SQNR) first")
        #expect(tensors.contains { $0["kind"] as? String == "weight" }, "dequantized weights must be matched too")
        #expect(tensors.contains { $0["kind"] as? String == "output" }, "the graph output must be listed")

        let table = try Qdqc.run(
            ["compare", model.path, quantized.path, "--data", eval.path, "--samples", "4", "--top", "3", "--quiet"])
        try #require(table.succeeded, "\(table.summary)")
        let lines = table.standardOutput.split(separator: "\n").map(String.init)
        #expect(
            lines.count >= 5, "header, column names, 3 rows and a '... more' line expected:\n\(table.standardOutput)")
        let worst = try #require(tensors.first?["tensor"] as? String)
        #expect(lines.count > 2 && lines[2].hasSuffix(worst), "the first row must be the worst tensor '\(worst)'")
    }

    @Test func comparingAModelWithoutQdqAgainstAnUnrelatedOneIsAnError() throws {
        let model = RepositoryPaths.examples.appendingPathComponent("digits_cnn.onnx")
        let eval = RepositoryPaths.examples.appendingPathComponent("digits_cnn.eval")
        let missing = try Qdqc.run(["compare", model.path, "/nonexistent/q.onnx", "--data", eval.path])
        #expect(missing.status == 1)
        #expect(missing.standardError.hasPrefix("error: /nonexistent/q.onnx"), "\(missing.standardError)")
        let noData = try Qdqc.run(["compare", model.path, model.path])
        #expect(noData.status == 64, "--data is required")
    }

    /// The example quantized by ONNX Runtime: (float model, QDQ model, eval folder).
    static func quantizedExample(in scratch: TemporaryDirectory) throws -> (URL, URL, URL) {
        let model = RepositoryPaths.examples.appendingPathComponent("digits_cnn.onnx")
        let quantized = scratch.file("digits_cnn.qdq.onnx")
        let quantize = try Python.runScript(
            "qdq_loss_debug.py",
            [
                "quantize", model.path, quantized.path,
                RepositoryPaths.examples.appendingPathComponent("digits_cnn.calib").path, "8",
            ])
        try #require(quantize.succeeded, "quantize_static failed:\n\(quantize.summary)")
        return (model, quantized, RepositoryPaths.examples.appendingPathComponent("digits_cnn.eval"))
    }

    /// Tensor name → SQNR, and tensor name → elements compared, from `qdqc compare --json`.
    static func rows(fromCompareJSON data: Data) throws -> ([String: Double], [String: Int]) {
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let tensors = try #require(object["tensors"] as? [[String: Any]])
        var rows: [String: Double] = [:]
        var elements: [String: Int] = [:]
        for row in tensors {
            guard let name = row["tensor"] as? String else { continue }
            rows[name] = row["sqnr"] as? Double
            elements[name] = row["elements"] as? Int
        }
        return (rows, elements)
    }

    /// Tensor name → xmodel_err from the helper script's JSON.
    static func activations(fromReference data: Data) throws -> [String: Double] {
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let activations = try #require(object["activations"] as? [String: Any])
        return activations.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }
}

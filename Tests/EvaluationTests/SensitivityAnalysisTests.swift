import Calibration
import Evaluation
import Foundation
import ModelFiles
import OnnxIR
import TestSupport
import Testing

/// Sensitivity analysis against the plain measure it shortcuts: a QDQ model with only one tensor's Q/DQ kept
/// (or only one removed), run in full and compared with the float model.
@Suite struct SensitivityAnalysisTests {
    @Test func digitsCNNSensitivityEqualsTheSQNROfQuantizingEachTensorAloneOrLeavingItAloneFloat() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-sensitivity")
        defer { scratch.remove() }
        let examples = RepositoryPaths.examples
        try checkAgainstFullRuns(
            model: examples.appendingPathComponent("digits_cnn.onnx"),
            calib: examples.appendingPathComponent("digits_cnn.calib"), samples: 4, only: nil, scratch: scratch)
    }

    @Test(.enabled(if: RepositoryPaths.sharedModels != nil, "needs the shared models (../shared/models)"))
    func sharedCNNSensitivityEqualsTheSQNROfQuantizingATensorAlone() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-sensitivity")
        defer { scratch.remove() }
        let folder = try #require(RepositoryPaths.sharedModels).appendingPathComponent("ppocr_mobile_v2_cls")
        try checkAgainstFullRuns(
            model: folder.appendingPathComponent("model.onnx"), calib: folder.appendingPathComponent("calib"),
            samples: 1, only: 3, scratch: scratch)
    }

    /// Quantizes `model` with qdqc on 8 calibration samples, runs the analysis on the next `samples` (on every
    /// `only`-th tensor when given, to keep a larger model quick), and checks each tensor against full runs.
    private func checkAgainstFullRuns(model: URL, calib: URL, samples: Int, only: Int?, scratch: TemporaryDirectory)
        throws
    {
        let quantizedPath = scratch.path("q.onnx")
        let convert = try Qdqc.run([
            model.path, "-o", quantizedPath, "--calib-data", calib.path, "--calib-samples", "8", "--quiet",
        ])
        try #require(convert.succeeded, "\(convert.summary)")
        let float = try ModelFile.read(path: model.path)
        let quantized = try ModelFile.read(path: quantizedPath)
        let data = try CalibrationSamples(model: float, source: CalibrationDataSource(origin: .files(path: calib.path)))
        let runner = CalibrationRunner(samples: data, task: "sensitivity")
        let indices = 8..<(8 + samples)
        let analysis = try SensitivityAnalysis(
            float: float, floatName: "float", quantized: quantized, quantizedName: quantizedPath)
        let names = analysis.tensorNames
        let chosen = only.map { step in
            Set(stride(from: 0, to: names.count, by: max(1, names.count / step)).map { names[$0] })
        }
        let report = try analysis.analyze(runner: runner, indices: indices, data: calib.path, only: chosen)
        #expect(report.tensors.count == (chosen?.count ?? analysis.tensorCount) && report.tensors.count >= 3)
        #expect(report.tensors.contains { $0.kind == .activation })
        if only == nil { #expect(report.tensors.contains { $0.kind == .weight }, "\(report.skipped)") }
        let sorted = report.tensors.map(\.quantizedAloneSQNR)
        #expect(sorted == sorted.sorted(), "most sensitive first")
        let fullSQNR = try outputSQNR(float: float, model: quantized, runner: runner, indices: indices)
        for (measured, expected) in zip(report.outputs.map(\.sqnr), fullSQNR) {
            #expect(abs(measured - expected) < 0.01, "all quantized: \(measured) vs \(expected) dB")
        }
        for row in report.tensors {
            let alone = try outputSQNR(
                float: float, model: try bypassing(quantizedPath, float: float) { $0 != row.tensor }, runner: runner,
                indices: indices)
            let floatAlone = try outputSQNR(
                float: float, model: try bypassing(quantizedPath, float: float) { $0 == row.tensor }, runner: runner,
                indices: indices)
            for (index, output) in row.outputs.enumerated() {
                #expect(
                    abs(output.quantizedAloneSQNR - alone[index]) < 0.01,
                    "\(row.tensor) quantized alone: \(output.quantizedAloneSQNR) vs \(alone[index]) dB")
                #expect(
                    abs(output.floatAloneSQNR - floatAlone[index]) < 0.01,
                    "\(row.tensor) alone float: \(output.floatAloneSQNR) vs \(floatAlone[index]) dB")
            }
            #expect(abs(row.gain - (row.floatAloneSQNR - (fullSQNR.min() ?? 0))) < 0.02)
        }
    }

    /// Each graph output's SQNR of `model` against `float` on `indices`, by a plain full run of both.
    private func outputSQNR(float: Model, model: Model, runner: CalibrationRunner, indices: Range<Int>) throws
        -> [Double]
    {
        let comparator = try ModelComparator(
            float: float, floatName: "float", quantized: model, quantizedName: "q", outputsOnly: true)
        let result = try comparator.compare(
            runner: runner, indices: indices, floatModel: "float", quantizedModel: "q", data: "calib")
        return float.graph.outputs.compactMap { output in result.outputs.first { $0.tensor == output.name }?.sqnr }
    }

    /// The QDQ model at `path` with the Q/DQ pairs of the tensors `remove` picks (by float name) taken out:
    /// their readers read the float value (the QuantizeLinear input, or the float model's weight).
    private func bypassing(_ path: String, float: Model, remove: (String) -> Bool) throws -> Model {
        let model = try ModelFile.read(path: path)
        let graph = model.graph
        let floatWeights = Dictionary(
            float.graph.initializers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for node in graph.nodes where node.opType == "DequantizeLinear" {
            guard let output = node.outputs[0], let input = node.inputs[0] else { continue }
            var replacement: Value?
            if let quantize = input.producer, quantize.opType == "QuantizeLinear", let before = quantize.inputs[0] {
                if remove(before.name) { replacement = before }
            } else if input.isConstant {
                let name = input.name.hasSuffix("_quantized") ? String(input.name.dropLast(10)) : input.name
                if remove(name), let weight = floatWeights[name]?.initializer {
                    replacement = graph.addInitializer(weight, name: graph.uniqueName(name + "_float"))
                }
            }
            if let replacement { try output.replaceAllUses(with: replacement, includingGraphOutputs: true) }
        }
        return model
    }
}

/// `SensitivityAnalysis.gains` (one suffix run per candidate from a mixed base) against full runs of the same
/// mixes, with 16-bit activation pairs among the precisions.
@Suite struct SensitivityGainsTests {
    @Test func gainsFromAMixedBaseEqualFullRunsOfEachMix() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-gains")
        defer { scratch.remove() }
        let examples = RepositoryPaths.examples
        let model = examples.appendingPathComponent("digits_cnn.onnx").path
        let calib = examples.appendingPathComponent("digits_cnn.calib").path
        let quantizedPath = scratch.path("q.onnx")
        let convert = try Qdqc.run([
            model, "-o", quantizedPath, "--calib-data", calib, "--calib-samples", "8", "--target", "ort", "--quiet",
        ])
        try #require(convert.succeeded, "\(convert.summary)")
        let float = try ModelFile.read(path: model)
        let quantized = try ModelFile.read(path: quantizedPath)
        let data = try CalibrationSamples(model: float, source: CalibrationDataSource(origin: .files(path: calib)))
        let runner = CalibrationRunner(samples: data, task: "gains")
        let analysis = try SensitivityAnalysis(
            float: float, floatName: "float", quantized: quantized, quantizedName: quantizedPath, widens: true)
        let wide = analysis.widenableTensors
        let names = analysis.tensorNames
        try #require(wide.count >= 2, "8-bit activations of an ORT model have 16-bit pairs: \(wide)")
        let widened = names.filter(wide.contains)
        let base: [String: SitePrecision] = [widened[0]: .wide]
        let candidates: [(tensor: String, precision: SitePrecision)] = [
            (widened[1], .wide), (widened[0], .float), (names.first { !wide.contains($0) } ?? names[0], .float),
        ]
        let references = SensitivityReferences()
        let measured = try analysis.gains(
            runner: runner, indices: 8..<11, base: base, candidates: candidates, references: references)
        let full = try analysis.outputSQNR(runner: runner, indices: 8..<11, precisions: base, references: references)
        #expect(measured.base.map(\.sqnr) == full.map(\.sqnr))
        for (candidate, outputs) in zip(candidates, measured.candidates) {
            let mix = base.merging([candidate.tensor: candidate.precision]) { $1 }
            let expected = try analysis.outputSQNR(
                runner: runner, indices: 8..<11, precisions: mix, references: references)
            for (got, want) in zip(outputs, expected) {
                #expect(abs(got.sqnr - want.sqnr) < 0.01, "\(candidate): \(got.sqnr) vs \(want.sqnr) dB")
            }
        }
        // A 16-bit pair is all but float: 48 dB less noise than the 8-bit one.
        let allWide = try analysis.outputSQNR(
            runner: runner, indices: 8..<11, precisions: Dictionary(uniqueKeysWithValues: widened.map { ($0, .wide) }),
            references: references)
        let allFloat = try analysis.outputSQNR(
            runner: runner, indices: 8..<11, precisions: Dictionary(uniqueKeysWithValues: widened.map { ($0, .float) }),
            references: references)
        let quantizedOnly = try analysis.outputSQNR(
            runner: runner, indices: 8..<11, precisions: [:], references: references)
        for ((wideOutput, floatOutput), quantizedOutput) in zip(zip(allWide, allFloat), quantizedOnly) {
            #expect(wideOutput.sqnr > quantizedOutput.sqnr + 0.5, "\(wideOutput) vs \(quantizedOutput)")
            #expect(abs(wideOutput.sqnr - floatOutput.sqnr) < 1, "\(wideOutput) vs \(floatOutput)")
        }
    }
}

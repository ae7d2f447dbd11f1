import Calibration
import Foundation
import OnnxIR
import OnnxText
import Passes
import Testing

/// `correct-bias` removes the mean output shift of rounded weights, is deterministic, and refuses bad input.
@Suite struct CorrectBiasPassTests {
    /// Relu then a 3x3 Conv whose per-tensor int8 weights (ONNX Runtime's reduced range, scale absmax/64)
    /// round most of the small weights of channels 1-3 to 0 or one step: their outputs shift by a
    /// fraction of the positive mean input.
    private static let text = """
        <
           ir_version: 8,
           opset_import: ["" : 17]
        >
        shifted (float[1,4,6,6] x) => (float[1,4,6,6] y)
           <float[4,4,3,3] w = {\(weights)}, float[4] b = {0.1, -0.1, 0.2, 0}>
        {
           r = Relu (x)
           y = Conv <pads = [1, 1, 1, 1]> (r, w, b)
        }
        """

    private static var weights: String {
        var numbers = AccuracyTestModels.Numbers(seed: 5)
        return (0..<144).map { index in
            index < 36 ? String(numbers.signed() * 2) : String(Float(numbers.unit() * 0.05))
        }.joined(separator: ", ")
    }

    private static let quantize = "insert-qdq{target=ort,per-channel=false}"

    private func run(_ pipelineText: String, calibration: CalibrationDataSource?) throws -> (Model, PipelineReport) {
        let model = try TextParser.parseModel(Self.text)
        let manager = try PassManager(
            pipeline: try Pipeline.parse(pipelineText), options: PassManagerOptions(diagnostics: .discard))
        let report = try manager.run(on: model, context: PassContext(calibrationData: calibration))
        return (model, report)
    }

    private static let samples = CalibrationDataSource(origin: .random(seed: 3, sampleCount: 16))

    /// Per output channel, the mean over samples and positions of quantized minus float output.
    private func meanShift(_ quantized: Model, _ float: Model) throws -> [Double] {
        var sums = [Double](repeating: 0, count: 4)
        for seed in UInt64(100)..<UInt64(116) {
            let inputs = try AccuracyTestModels.inputs(for: float, seed: seed)
            let q = try #require(try AccuracyTestModels.outputs(quantized, inputs)["y"])
            let f = try #require(try AccuracyTestModels.outputs(float, inputs)["y"])
            for index in q.indices { sums[index / 36] += Double(q[index] - f[index]) }
        }
        return sums.map { $0 / (16 * 36) }
    }

    @Test func theCorrectionShrinksTheMeanOutputShift() throws {
        let float = try TextParser.parseModel(Self.text)
        let (plain, _) = try run("calibrate," + Self.quantize, calibration: Self.samples)
        let (corrected, report) = try run(
            "calibrate,correct-bias{target=ort,per-channel=false}," + Self.quantize, calibration: Self.samples)
        let statistics = try #require(report.records.first { $0.argument == "correct-bias" }?.statistics)
        #expect(statistics["corrected-layers"] == 1)
        let before = try meanShift(plain, float).map(abs).reduce(0, +)
        let after = try meanShift(corrected, float).map(abs).reduce(0, +)
        #expect(after < before / 3, "mean |shift| summed over channels: \(before) uncorrected, \(after) corrected")
    }

    @Test func twoRunsWriteTheSameBytes() throws {
        let pipeline = "calibrate,correct-bias{target=ort,per-channel=false}," + Self.quantize
        let (first, _) = try run(pipeline, calibration: Self.samples)
        let (second, _) = try run(pipeline, calibration: Self.samples)
        #expect(try AccuracyTestModels.bytes(first) == AccuracyTestModels.bytes(second))
    }

    @Test func aLayerTheTargetKeepsInFloatIsLeftAlone() throws {
        // tensorrt leaves convolutions of fewer than 256 weights in float (this one has 144).
        let (model, report) = try run("calibrate,correct-bias{target=tensorrt}", calibration: Self.samples)
        let statistics = try #require(report.records.first { $0.argument == "correct-bias" }?.statistics)
        #expect(statistics["float-layers"] == 1)
        #expect(statistics["corrected-layers"] == 0)
        #expect(try AccuracyTestModels.bytes(model) == AccuracyTestModels.bytes(TextParser.parseModel(Self.text)))
    }

    @Test func withoutCalibrationDataItIsAnError() throws {
        let model = try TextParser.parseModel(Self.text)
        #expect(throws: (any Error).self) {
            try CorrectBiasPass(options: ["target": "ort"]).run(on: model, context: PassContext())
        }
        do {
            _ = try CorrectBiasPass(options: ["target": "ort"]).run(on: model, context: PassContext())
        } catch {
            #expect("\(error)".contains("correct-bias needs calibration samples"))
        }
    }

    @Test func insertQDQsOptionRulesApply() {
        #expect(throws: (any Error).self) { try CorrectBiasPass(options: ["target": "bogus"]) }
        #expect(throws: (any Error).self) { try CorrectBiasPass(options: ["block-size": "-1"]) }
    }

    @Test func theFlagCopiesInsertQDQsOptionsAndNeedsInsertQDQ() throws {
        var pipeline = try Pipeline.parse("calibrate,insert-qdq{target=ort,per-channel=false},cleanup-qdq")
        let inserted = pipeline.insertBiasCorrection()
        #expect(inserted)
        #expect(
            pipeline.description
                == "calibrate,correct-bias{target=ort,per-channel=false},insert-qdq{target=ort,per-channel=false},cleanup-qdq"
        )
        var weightOnly = try Pipeline.parse(DefaultPipeline.weightOnlyText)
        let insertedIntoWeightOnly = weightOnly.insertBiasCorrection()
        #expect(!insertedIntoWeightOnly)
    }
}

import Calibration
import Evaluation
import OnnxIR
import OnnxText
import TestSupport
import Testing

/// Comparing two models through the calibration runner: which samples, which tensors, and the numbers.
@Suite struct ModelComparatorTests {
    /// `TinyModels.reluTimesTwo` with r quantized to int8 with scale 1/64 (so values beyond ±2 clip).
    static let quantizedText = """
        <
           ir_version: 8,
           opset_import: ["" : 17]
        >
        g (float[1,4] x) => (float[1,4] y)
           <float[1] two = {2}, float scale = {0.015625}, int8 zero = {0}>
        {
           r = Relu (x)
           r_q = QuantizeLinear (r, scale, zero)
           r_dequantized = DequantizeLinear (r_q, scale, zero)
           y = Mul (r_dequantized, two)
        }
        """

    private func runner(_ count: Int, float: Model) throws -> CalibrationRunner {
        let samples = try CalibrationSamples(
            model: float, source: CalibrationDataSource(origin: .random(seed: 11, sampleCount: count)))
        return CalibrationRunner(samples: samples, task: "compare")
    }

    @Test func quantizedActivationsAndOutputsAreMatchedAndMeasuredOnTheGivenSamples() throws {
        let float = try TextParser.parseModel(TinyModels.reluTimesTwo)
        let quantized = try TextParser.parseModel(Self.quantizedText)
        let comparator = try ModelComparator(
            float: float, floatName: "f.onnx", quantized: quantized, quantizedName: "q.onnx")
        let result = try comparator.compare(
            runner: try runner(8, float: float), indices: 3..<7, floatModel: "f.onnx", quantizedModel: "q.onnx",
            data: "--calib-random")
        #expect(result.samples == 4)
        #expect(Set(result.tensors.map(\.tensor)) == ["r", "y"])
        let r = try #require(result.tensors.first { $0.tensor == "r" })
        #expect(r.kind == .activation && r.samples == 4 && r.elements == 16)
        #expect(r.sqnr > 0 && r.sqnr < 200, "rounding (and clipping) leave a small, nonzero error: \(r.sqnr)")
        #expect(r.ownQuantizationSQNR == r.sqnr, "r is its own Q/DQ input")
        #expect(result.outputs.map(\.tensor) == ["y"])
    }

    @Test func anEmptyRangeOfSamplesIsAnError() throws {
        let float = try TextParser.parseModel(TinyModels.reluTimesTwo)
        let comparator = try ModelComparator(float: float, floatName: "f", quantized: float, quantizedName: "q")
        #expect(throws: CompareError.noSamples(source: "d")) {
            try comparator.compare(
                runner: try runner(2, float: float), indices: 2..<2, floatModel: "f", quantizedModel: "q", data: "d")
        }
    }
}

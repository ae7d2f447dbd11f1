import Calibration
import Foundation
import OnnxIR
import OnnxInterpreter
import OnnxText
import Passes
import TestSupport
import Testing

/// `split-outlier-channels`: which channels it picks, that the split model computes the float model's
/// products, and its refusals; the golden cases show the rewrite.
@Suite struct SplitOutlierChannelsTests {
    private static let caseFolder = Repository.passesDirectory.appendingPathComponent(
        "split-outlier-channels/cases/shared-input")

    @Test func picksChannelsAboveTheRatioLargestFirstUpToTheFraction() throws {
        let pass = try SplitOutlierChannelsPass(options: ["ratio": "4", "max-fraction": "0.25"])
        // Median 1; channels 2 (9), 5 (40) and 6 (5) exceed 4; a quarter of 8 channels keeps the two largest.
        #expect(pass.outlierIndices(of: [1, 1, 9, 0.5, 1, 40, 5, 1]) == [2, 5])
        #expect(pass.outlierIndices(of: [1, 1, 1, 1, 1, 1, 1, 4]) == [])
        #expect(pass.outlierIndices(of: [0, 0, 0, 0, 0, 0, 0, 3]) == [], "a zero median gives no threshold")
        #expect(try SplitOutlierChannelsPass(options: [:]).outlierIndices(of: [1, 1, 1, 50]) == [], "20 % of 4 is 0")
        for (option, bad) in [("ratio", "1"), ("ratio", "nan"), ("max-fraction", "0"), ("max-fraction", "1.5")] {
            #expect(throws: PassError.self) { try SplitOutlierChannelsPass(options: [option: bad]) }
        }
    }

    @Test func theSplitModelComputesTheFloatProducts() throws {
        let text = try Repository.read(Self.caseFolder.appendingPathComponent("input.onnxtxt"))
        let original = try TextParser.parseModel(text)
        let split = try TextParser.parseModel(text)
        var remarks: [String] = []
        let context = PassContext(
            remark: { remarks.append($0) },
            calibrationData: CalibrationDataSource(
                origin: .files(path: Self.caseFolder.appendingPathComponent("calib").path)))
        let result = try SplitOutlierChannelsPass(options: [:]).run(on: split, context: context)
        try Verifier().verify(split)
        #expect(result.changed)
        #expect(result.statistics["outlier-channels"] == 1)
        #expect(SplitOutlierChannelsPass.floatNodes(of: split).count == 6, "Mul, Gather, and a MatMul + Add per reader")
        #expect(remarks.contains { $0.contains("1 outlier channels of 1 activations") }, "\(remarks)")

        // Every channel signed and of varied size, the outlier channel (5) among them.
        let values: [Float] = (0..<24).map { index in
            let level = Float((index * 37) % 23 - 11)
            return level * (index % 8 == 5 ? 4 : 0.5)
        }
        let input = try NDArray(floats: values, shape: [3, 8])
        let expected = try Interpreter(model: original).run(["x": input])
        let actual = try Interpreter(model: split).run(["x": input])
        for name in ["q", "k", "residual"] {
            Self.expectClose(try #require(expected[name]).floatValues(), try #require(actual[name]).floatValues(), name)
        }
    }

    /// A Gemm with `transB` and `alpha` (and a bias): the float side takes the weight's columns, scaled by alpha.
    @Test func aTransposedGemmKeepsItsProduct() throws {
        let text = """
            <ir_version: 8, opset_import: ["" : 17]>
            gemm (float[N,8] x) => (float[N,3] y) <
                float[3,8] w = {1, 0, 2, -1, 0.5, 1, 0, 3, 0, 1, 1, 0, -2, 0.5, 1, 1, 2, 2, 0, 1, 1, -1, 0.25, 0},
                float[3] b = {0.5, -1, 2}>
            {
               y = Gemm <transB = 1, alpha = 0.5, beta = 2.0> (x, w, b)
            }
            """
        let original = try TextParser.parseModel(text)
        let split = try TextParser.parseModel(text)
        let context = PassContext(
            calibrationData: CalibrationDataSource(
                origin: .files(path: Self.caseFolder.appendingPathComponent("calib").path)))
        let result = try SplitOutlierChannelsPass(options: [:]).run(on: split, context: context)
        try Verifier().verify(split)
        #expect(result.statistics["outlier-channels"] == 1)
        #expect(split.graph.nodes.map(\.opType) == ["Mul", "Gather", "Gemm", "MatMul", "Add"])
        let values: [Float] = (0..<16).map { index in
            let level = Float((index * 29) % 19 - 9)
            return level * (index % 8 == 5 ? 5 : 0.5)
        }
        let input = try NDArray(floats: values, shape: [2, 8])
        let want = try #require(try Interpreter(model: original).run(["x": input])["y"]).floatValues()
        let got = try #require(try Interpreter(model: split).run(["x": input])["y"]).floatValues()
        Self.expectClose(want, got, "y")
    }

    /// Equal up to the reassociated sums of the split (relative 1e-4).
    private static func expectClose(_ want: [Float], _ got: [Float], _ name: String) {
        #expect(want.count == got.count, "\(name): \(want.count) vs \(got.count) values")
        for (want, got) in zip(want, got) {
            let tolerance: Float = 1e-4 * Swift.max(1, Swift.abs(want))
            #expect(Swift.abs(want - got) <= tolerance, "\(name): \(want) vs \(got)")
        }
    }

    @Test func withoutCalibrationDataItIsAnError() throws {
        let model = try TextParser.parseModel(
            try Repository.read(Self.caseFolder.appendingPathComponent("input.onnxtxt")))
        #expect(throws: CalibrationRunError.self) {
            try SplitOutlierChannelsPass(options: [:]).run(on: model, context: PassContext())
        }
    }
}

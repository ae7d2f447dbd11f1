import Foundation
import OnnxIR
import OnnxText
import Passes
import Testing

/// `equalize` keeps the float function, balances the ranges, is deterministic, and refuses bad options;
/// the golden cases cover the rewrites of single pairs and the skipped chains.
@Suite struct EqualizePassTests {
    private func equalized(_ model: Model, options: [String: String] = [:]) throws -> PassResult {
        let result = try EqualizePass(options: options).run(on: model, context: PassContext())
        try Verifier().verify(model)
        return result
    }

    /// The largest over the ratio between the largest and smallest per-output-channel weight range.
    private func channelRangeSpread(_ model: Model, weight name: String) throws -> Double {
        let value = try #require(
            model.graph.nodes.compactMap { $0.inputs.count > 1 ? $0.inputs[1] : nil }
                .first { $0.name == name || $0.name.hasPrefix(name + "_equalized") })
        let tensor = try #require(ConstantData.tensor(of: value))
        let values = try #require(ConstantData.floats(tensor))
        let channels = Int(tensor.dims[0])
        let block = values.count / channels
        let ranges = (0..<channels).map { channel in
            values[(channel * block)..<((channel + 1) * block)].map { abs(Double($0)) }.max() ?? 0
        }
        return (ranges.max() ?? 0) / max(ranges.min() ?? 0, .leastNormalMagnitude)
    }

    @Test func theFloatFunctionOfADepthwiseCNNStaysTheSame() throws {
        let original = try AccuracyTestModels.mobileNetBlocks()
        let model = try AccuracyTestModels.mobileNetBlocks()
        let result = try equalized(model)
        // Conv→DW, DW→Conv, Conv→DW; the Clip(0, 6) before the last Conv is refused.
        #expect(result.changed)
        #expect(result.statistics["equalized-pairs"] == 3)
        #expect(result.statistics["skipped-activations"] == 1)
        #expect((result.statistics["sweeps"] ?? 0) > 1, "a chain needs more than one sweep")
        for seed in UInt64(1)...4 {
            let inputs = try AccuracyTestModels.inputs(for: original, seed: seed)
            let difference = AccuracyTestModels.largestRelativeDifference(
                try AccuracyTestModels.outputs(model, inputs), try AccuracyTestModels.outputs(original, inputs))
            #expect(difference <= 1e-4, "equalized output differs by \(difference) (relative) for seed \(seed)")
        }
    }

    @Test func theDepthwiseRangesComeCloser() throws {
        let original = try AccuracyTestModels.mobileNetBlocks()
        let model = try AccuracyTestModels.mobileNetBlocks()
        _ = try equalized(model)
        let before = try channelRangeSpread(original, weight: "dw1")
        let after = try channelRangeSpread(model, weight: "dw1")
        #expect(after < before / 10, "depthwise channel range spread went from \(before) to \(after)")
    }

    @Test func twoRunsWriteTheSameBytes() throws {
        let first = try AccuracyTestModels.mobileNetBlocks()
        let second = try AccuracyTestModels.mobileNetBlocks()
        _ = try equalized(first)
        _ = try equalized(second)
        #expect(try AccuracyTestModels.bytes(first) == AccuracyTestModels.bytes(second))
    }

    @Test func oneSweepDoesLessThanSeveral() throws {
        let once = try AccuracyTestModels.mobileNetBlocks()
        let settled = try AccuracyTestModels.mobileNetBlocks()
        _ = try equalized(once, options: ["iterations": "1"])
        _ = try equalized(settled)
        #expect(try AccuracyTestModels.bytes(once) != AccuracyTestModels.bytes(settled))
    }

    @Test func badIterationsAreRefused() {
        for bad in ["0", "-2", "many"] {
            #expect(throws: (any Error).self) { try EqualizePass(options: ["iterations": bad]) }
        }
    }

    @Test func aModelWithoutPairsIsUnchanged() throws {
        let model = try TextParser.parseModel(
            """
            <
               ir_version: 8,
               opset_import: ["" : 17]
            >
            single (float[1,2,3,3] x) => (float[1,2,3,3] y)
               <float[2,2,1,1] w = {1, 2, 3, 4}>
            {
               y = Conv (x, w)
            }
            """)
        let result = try equalized(model)
        #expect(!result.changed)
        #expect(result.statistics["equalized-pairs"] == 0)
    }

    @Test func theFlagGoesBeforeCalibrationAndSmoothing() throws {
        var pipeline = try Pipeline.parse(DefaultPipeline.text)
        pipeline.insertSmoothQuant(alpha: .fixed(0.5))
        try pipeline.insertEqualize()
        try pipeline.insertEqualize()
        let arguments = pipeline.elements.map(\.passArgument)
        #expect(arguments.filter { $0 == "equalize" }.count == 1)
        let equalize = try #require(arguments.firstIndex(of: "equalize"))
        #expect(equalize > (arguments.firstIndex(of: "fold-batchnorm") ?? .max))
        #expect(equalize < (arguments.firstIndex(of: "smooth-quant") ?? -1))
    }
}

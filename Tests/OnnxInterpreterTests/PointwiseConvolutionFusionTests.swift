import Foundation
import OnnxIR
import OnnxInterpreter
import Testing

/// NHWC models' `Transpose → Conv 1×1 → Transpose` runs as one product when nothing observes, with the same bits.
@Suite struct PointwiseConvolutionFusionTests {
    /// Deterministic values in about [-1, 1] that are not round numbers.
    static func values(_ count: Int, seed: Int) -> [Float] {
        (0..<count).map { Float(sin(Double($0 * 7919 + seed * 104_729) * 0.001 + Double(seed))) }
    }

    /// x NHWC `[batch, 5, 6, 8]` → Transpose → Conv(W `[12, 8, 1, 1]`, B) → Transpose → Relu → y, plus
    /// `extra`: "nchw" makes the first Transpose's output a graph output too.
    func model(bias: Bool = true, convolutionAttributes: [Attribute] = [], extra: String? = nil) throws -> Model {
        let builder = GraphBuilder(name: "nhwc")
        builder.addInput(name: "x", type: .tensor(.float, Shape([.symbolic("batch"), .known(5), .known(6), .known(8)])))
        builder.addInitializer(Tensor.floats(Self.values(96, seed: 1), dims: [12, 8, 1, 1], name: "w"))
        if bias { builder.addInitializer(Tensor.floats(Self.values(12, seed: 2), dims: [12], name: "b")) }
        try builder.addNode(
            opType: "Transpose", domain: nil, name: "to_nchw", inputNames: ["x"], outputNames: ["nchw"],
            attributes: [.ints("perm", [0, 3, 1, 2])])
        try builder.addNode(
            opType: "Conv", domain: nil, name: "conv", inputNames: bias ? ["nchw", "w", "b"] : ["nchw", "w"],
            outputNames: ["c"], attributes: convolutionAttributes)
        try builder.addNode(
            opType: "Transpose", domain: nil, name: "to_nhwc", inputNames: ["c"], outputNames: ["t"],
            attributes: [.ints("perm", [0, 2, 3, 1])])
        try builder.addNode(opType: "Relu", domain: nil, name: "relu", inputNames: ["t"], outputNames: ["y"], attributes: [])
        builder.addOutput(name: "y", type: nil)
        if let extra { builder.addOutput(name: extra, type: nil) }
        return Model(graph: try builder.finish(), opsetImports: [OpsetImport(domain: "", version: 21)])
    }

    /// Outputs without an observer (fused where possible) and with one (every node as written).
    func bothWays(_ model: Model, batch: Int = 1, fusions: Int = 1) throws -> (
        fused: [String: [Float]], written: [String: [Float]]
    ) {
        let interpreter = try Interpreter(model: model)
        #expect(interpreter.fusedPointwiseConvolutions == fusions)
        let input = try NDArray(floats: Self.values(batch * 240, seed: 3), shape: [batch, 5, 6, 8])
        var seen: [String] = []
        let written = try interpreter.run(["x": input]) { seen.append($0.name) }
        #expect(seen.contains("nchw") && seen.contains("c"), "an observer sees the values in between")
        let fused = try interpreter.run(["x": input])
        return (try fused.mapValues { try $0.floatValues() }, try written.mapValues { try $0.floatValues() })
    }

    @Test(arguments: [true, false])
    func theFusedProductGivesTheConvolutionsBits(bias: Bool) throws {
        let (fused, written) = try bothWays(model(bias: bias))
        let y = try #require(fused["y"])
        #expect(y.count == 5 * 6 * 12)
        #expect(y.map(\.bitPattern) == written["y"]?.map(\.bitPattern))
        // Against a direct sum in the same order, to know the fused path computes the right thing.
        let (x, w, b) = (Self.values(240, seed: 3), Self.values(96, seed: 1), Self.values(12, seed: 2))
        for position in [0, 17, 29] {
            for filter in [0, 5, 11] {
                var sum: Float = 0
                for channel in 0..<8 { sum = (w[filter * 8 + channel] * x[position * 8 + channel]) + sum }
                let expected = max(0, sum + (bias ? b[filter] : 0))
                #expect(abs(y[position * 12 + filter] - expected) <= 1e-5)
            }
        }
    }

    @Test func explicitPointwiseAttributesAndABatchAreCovered() throws {
        let attributes: [Attribute] = [
            .ints("kernel_shape", [1, 1]), .ints("strides", [1, 1]), .ints("pads", [0, 0, 0, 0]),
            Attribute("group", .int(1)),
        ]
        let single = try bothWays(model(convolutionAttributes: attributes))
        #expect(single.fused["y"]?.map(\.bitPattern) == single.written["y"]?.map(\.bitPattern))
        // A batch of 2 runs the nodes as written (the convolution batches small images itself).
        let batched = try bothWays(model(), batch: 2)
        #expect(batched.fused["y"]?.map(\.bitPattern) == batched.written["y"]?.map(\.bitPattern))
    }

    @Test func aValueInBetweenThatIsAGraphOutputIsStillProduced() throws {
        let (fused, written) = try bothWays(model(extra: "nchw"), fusions: 0)
        #expect(fused["nchw"] != nil && fused["nchw"] == written["nchw"])
        #expect(fused["y"]?.map(\.bitPattern) == written["y"]?.map(\.bitPattern))
    }

    @Test func stridedOrPaddedConvolutionsAreNotFusedAndStillCorrect() throws {
        let strided = try bothWays(model(convolutionAttributes: [.ints("strides", [2, 2])]), fusions: 0)
        #expect(strided.fused["y"]?.count == 3 * 3 * 12)
        #expect(strided.fused["y"] == strided.written["y"])
    }
}

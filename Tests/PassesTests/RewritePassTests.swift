import OnnxIR
import OnnxText
import Passes
import Testing

/// Remarks, statistics and refusals of the rewriting passes (the golden cases cover the rewrites).
@Suite struct RewritePassTests {
    private func run(_ pass: any Pass, on text: String) throws -> (Model, PassResult, [String]) {
        let model = try TextParser.parseModel(text)
        var remarks: [String] = []
        let result = try pass.run(on: model, context: PassContext(remark: { remarks.append($0) }))
        try Verifier().verify(model)
        return (model, result, remarks)
    }

    private let header = "<\n ir_version: 8,\n opset_import: [\"\" : 17]\n>\n"

    @Test func eliminateIdentityTellsWhyAGraphOutputIdentityStays() throws {
        let text = header + "g (float[2] x) => (float[2] y) {\n y = Identity (x)\n}"
        let (model, result, remarks) = try run(try EliminateIdentityPass(options: [:]), on: text)
        #expect(!result.changed)
        #expect(result.statistics["kept-for-graph-outputs"] == 1)
        #expect(model.graph.nodes.count == 1)
        #expect(
            remarks == [
                "kept Identity 'Identity -> y': its output 'y' is a graph output and its input 'x' cannot take that name"
            ])
    }

    @Test func eliminateIdentityCountsEachKind() throws {
        let text =
            header
            + "g (float[2] x) => (float[2] y)\n <int64[1] s = {2}>\n{\n a = Identity (x)\n b = Cast <to = 1> (a)\n"
            + " c = Reshape (b, s)\n d = Dropout (c)\n y = Relu (d)\n}"
        let (model, result, _) = try run(try EliminateIdentityPass(options: [:]), on: text)
        #expect(model.graph.nodes.map(\.opType) == ["Relu"])
        #expect(model.graph.initializers.isEmpty)
        #expect(
            result.statistics == [
                "removed-identity": 1, "removed-cast": 1, "removed-reshape": 1, "removed-dropout": 1,
                "kept-for-graph-outputs": 0,
            ])
    }

    @Test func foldBatchNormExplainsEveryKeptNode() throws {
        let text =
            header
            + "g (float[N,2] x, float[2] v) => (float[N,2] y, float[N,2] z)\n"
            + " <float[2] s = {1, 1}, float[2] b = {0, 0}, float[2] m = {0, 0}>\n{\n r = Relu (x)\n"
            + " y = BatchNormalization (r, s, b, m, v)\n z = BatchNormalization <training_mode = 1> (x, s, b, m, s)\n}"
        let (_, result, remarks) = try run(try FoldBatchNormPass(options: [:]), on: text)
        #expect(!result.changed)
        #expect(result.statistics["kept-batchnorms"] == 2)
        #expect(
            remarks == [
                "kept BatchNormalization 'BatchNormalization -> y': its var is not a constant",
                "kept BatchNormalization 'BatchNormalization -> z': it is in training mode",
            ])
    }

    @Test func foldBatchNormMatchesTheUnfoldedArithmetic() throws {
        // y = ((x * w) - mean) / sqrt(var + eps) * gamma + beta, checked on one input value.
        let text =
            header
            + "g (float[1,1,1,1] x) => (float[1,2,1,1] y)\n <float[2,1,1,1] w = {0.3, -1.7}, float[2] bias = {0.1, 0.2},"
            + " float[2] gamma = {1.5, 0.25}, float[2] beta = {-0.5, 2}, float[2] mean = {0.05, -0.4},"
            + " float[2] var = {0.9, 2.5}>\n{\n c = Conv (x, w, bias)\n"
            + " y = BatchNormalization <epsilon = 0.001> (c, gamma, beta, mean, var)\n}"
        let (model, result, _) = try run(try FoldBatchNormPass(options: [:]), on: text)
        #expect(result.statistics["folded-conv"] == 1)
        guard let conv = model.graph.nodes.first, conv.inputs.count == 3, let weight = conv.inputs[1]?.initializer,
            let bias = conv.inputs[2]?.initializer, let w = ConstantData.floats(weight),
            let b = ConstantData.floats(bias)
        else {
            Issue.record("no folded Conv")
            return
        }
        let x: Float = 0.7
        let expected = zip(
            zip([Float(0.3), -1.7], [Float(0.1), 0.2]),
            zip(zip([Float(1.5), 0.25], [Float(-0.5), 2]), zip([Float(0.05), -0.4], [Float(0.9), 2.5]))
        ).map { linear, rest in
            let ((gamma, beta), (mean, variance)) = rest
            return (x * linear.0 + linear.1 - mean) / (variance + 0.001).squareRoot() * gamma + beta
        }
        for channel in 0..<2 {
            let folded = x * w[channel] + b[channel]
            #expect(abs(folded - expected[channel]) <= 1e-5 * max(1, abs(expected[channel])))
        }
    }

    @Test func fuseLayerNormRemarksOnAnOldOpset() throws {
        let text =
            "<\n ir_version: 8,\n opset_import: [\"\" : 16]\n>\n"
            + "g (float[N,4] x) => (float[N,4] y) {\n m = ReduceMean <axes = [-1]> (x)\n y = Sub (x, m)\n}"
        let (_, result, remarks) = try run(try FuseLayerNormPass(options: [:]), on: text)
        #expect(!result.changed)
        #expect(result.statistics["rejected-patterns"] == 1)
        #expect(
            remarks == [
                "found 1 possible decomposed LayerNormalization patterns, but the model imports opset 16 "
                    + "and LayerNormalization needs 17"
            ])
    }

    @Test func fuseLayerNormNeedsTheLastDimension() throws {
        let text =
            header
            + "g (float[N,?] x) => (float[N,?] y)\n <float two = {2}, float eps = {1e-05}, float[4] gamma = {1, 2, 3, 4}>\n"
            + "{\n m = ReduceMean <axes = [-1]> (x)\n d = Sub (x, m)\n p = Pow (d, two)\n v = ReduceMean <axes = [-1]> (p)\n"
            + " e = Add (v, eps)\n s = Sqrt (e)\n n = Div (d, s)\n y = Mul (n, gamma)\n}"
        let (_, result, remarks) = try run(try FuseLayerNormPass(options: [:]), on: text)
        #expect(!result.changed)
        #expect(remarks.count == 1)
        #expect(remarks.first?.contains("run infer-shapes first") == true)
    }
}

import OnnxIR
import OnnxText
import Passes
import Testing

@Suite struct FoldConstantsTests {
    private let header = "<\n ir_version: 8,\n opset_import: [\"\" : 17]\n>\n"

    @Test func aNegativeLimitIsRejected() {
        do {
            _ = try FoldConstantsPass(options: ["max-elements": "-1"])
            Issue.record("a negative limit was accepted")
        } catch {
            #expect(
                "\(error)" == "pass 'fold-constants': option 'max-elements' is '-1', expected a non-negative integer")
        }
    }

    @Test func aKernelErrorLeavesTheNodeWithARemark() throws {
        let model = try TextParser.parseModel(
            header + "g (float[6] x) => (y)\n <float[6] c = {1, 2, 3, 4, 5, 6}, int64[2] bad = {4, -1}>\n"
                + "{\n [reshape] r = Reshape (c, bad)\n y = Add (x, r)\n}")
        var remarks: [String] = []
        let result = try FoldConstantsPass(options: [:]).run(
            on: model, context: PassContext(remark: { remarks.append($0) }))
        #expect(!result.changed)
        #expect(result.statistics["unevaluated"] == 1)
        #expect(remarks.count == 1)
        #expect(remarks.first?.hasPrefix("did not fold 'reshape': ") == true)
        #expect(model.graph.nodes.map(\.opType) == ["Reshape", "Add"])
    }

    @Test func foldedValuesMatchTheKernels() throws {
        let model = try TextParser.parseModel(
            header + "g (float[2,2] x) => (y)\n <float[2,2] a = {1, 2, 3, 4}, float[2,2] b = {5, 6, 7, 8}>\n"
                + "{\n m = MatMul (a, b)\n t = Transpose (m)\n y = Add (x, t)\n}")
        let result = try FoldConstantsPass(options: [:]).run(on: model, context: PassContext())
        #expect(result.statistics["folded-nodes"] == 2)
        #expect(result.statistics["removed-constants"] == 3)
        guard let folded = model.graph.initializers.first, model.graph.initializers.count == 1,
            let tensor = folded.initializer
        else {
            Issue.record("expected one initializer")
            return
        }
        #expect(folded.name == "t")
        #expect(tensor.dims == [2, 2])
        #expect(ConstantData.floats(tensor) == [19, 43, 22, 50])
        try Verifier().verify(model)
    }

    @Test func aSecondRunChangesNothing() throws {
        let model = try TextParser.parseModel(
            header + "g (float[3] x) => (y)\n{\n c = Constant <value_floats = [1.0, 2.0, 3.0]> ()\n y = Mul (x, c)\n}")
        #expect(try FoldConstantsPass(options: [:]).run(on: model, context: PassContext()).changed)
        #expect(try !FoldConstantsPass(options: [:]).run(on: model, context: PassContext()).changed)
    }
}

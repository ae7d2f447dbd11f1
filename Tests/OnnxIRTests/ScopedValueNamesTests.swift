import OnnxIR
import OnnxText
import Testing

/// Body values named by their path: both branches of the If define `t`, the Loop body nests another If.
private let nested = """
    <
       ir_version: 8,
       opset_import: ["" : 17]
    >
    nested (bool cond, float[2] x) => (float[2] y, float[2] z)
    {
       [gate] y = If (cond) <
          then_branch = then_graph () => (float[2] t) {
             t = Relu (x)
          },
          else_branch = else_graph () => (float[2] t) {
             t = Neg (x)
          }
       >
       z = Abs (y)
    }
    """

@Suite struct ScopedValueNamesTests {
    @Test func sameNamesInTwoBranchesGetTwoPaths() throws {
        let model = try TextParser.parseModel(nested)
        let names = try ScopedValueNames(graph: model.graph)
        #expect(names.bodyValues.map(\.name) == ["gate|then_branch|t", "gate|else_branch|t"])
        let x = try #require(model.graph.inputs.last)
        #expect(names[x] == "x", "a main-graph value read by a body keeps its plain name")
        #expect(ScopedValueNames.isBodyValueName("gate|then_branch|t"))
        #expect(!ScopedValueNames.isBodyValueName("z"))
    }

    @Test func anUnnamedNodeIsNamedByItsFirstOutput() throws {
        let model = try TextParser.parseModel(nested.replacingOccurrences(of: "[gate] ", with: ""))
        let names = try ScopedValueNames(graph: model.graph)
        #expect(names.bodyValues.map(\.name) == ["y|then_branch|t", "y|else_branch|t"])
    }

    @Test func aMainGraphNameEqualToABodyPathIsRefused() throws {
        let model = try TextParser.parseModel(nested)
        let z = try #require(model.graph.outputs.last)
        try model.graph.rename(z, to: "gate|then_branch|t")
        #expect(throws: IRError.self) { try ScopedValueNames(graph: model.graph) }
    }
}

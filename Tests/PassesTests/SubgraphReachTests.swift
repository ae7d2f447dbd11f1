import OnnxIR
import OnnxText
import Passes
import Testing

/// A main-graph-only pass that always says it changed the model (tests only).
private struct MainGraphMarkingPass: Pass {
    static let argument = "mark-main-graph"
    static let summary = "Marks the main graph's doc string (tests only)."
    static let subgraphReach = SubgraphReach.mainGraphOnly

    init(options: [String: String]) throws {}

    func run(on model: Model, context: PassContext) throws -> PassResult {
        model.graph.docString = "marked"
        return PassResult(changed: true)
    }
}

/// A pass that works on the main graph only says so when it changed a model whose bodies it left as they were.
@Suite struct SubgraphReachTests {
    private static let withIf = """
        <
           ir_version: 8,
           opset_import: ["" : 17]
        >
        with_if (bool cond, float[2] x) => (float[2] y)
        {
           [gate] y = If (cond) <
              then_branch = then_graph () => (float[2] t) {
                 t = Relu (x)
              },
              else_branch = else_graph () => (float[2] e) {
                 e = Neg (x)
              }
           >
        }
        """

    private func remarks(running pipeline: String, on text: String) throws -> [String] {
        let registry = PassRegistry(passTypes: PassRegistry.builtinPassTypes + [MainGraphMarkingPass.self])
        let manager = try PassManager(pipeline: try Pipeline.parse(pipeline), registry: registry)
        var collected: [String] = []
        let context = PassContext(remark: { collected.append($0) })
        try manager.run(on: try TextParser.parseModel(text), context: context)
        return collected
    }

    @Test func aMainGraphOnlyPassThatChangedAModelWithBodiesSaysSo() throws {
        let remarks = try remarks(running: "mark-main-graph", on: Self.withIf)
        #expect(
            remarks == [
                "mark-main-graph works on the main graph only: the 2 nodes in If/Loop/Scan bodies were left as they are"
            ])
    }

    @Test func aPassThatEntersBodiesSaysNothing() throws {
        #expect(try remarks(running: "topological-sort", on: Self.withIf).isEmpty)
    }
}

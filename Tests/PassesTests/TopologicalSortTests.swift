import OnnxText
import Passes
import Testing

@Suite struct TopologicalSortTests {
    @Test func aCycleIsReportedAndTheOrderKept() throws {
        let model = try TextParser.parseModel(
            """
            <
               ir_version: 8,
               opset_import: ["" : 17]
            >
            g (float[2] x) => (float[2] y)
            {
               a = Add (x, b)
               b = Neg (a)
               y = Relu (b)
            }
            """)
        let pass = try TopologicalSortPass(options: [:])
        let error = #expect(throws: PassError.self) { try pass.run(on: model, context: PassContext()) }
        #expect(error == .cycle(pass: "topological-sort", graph: "g", node: "Add -> a"))
        #expect(model.graph.nodes.map(\.opType) == ["Add", "Neg", "Relu"])
    }
}

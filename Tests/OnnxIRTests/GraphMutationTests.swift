import OnnxIR
import Testing

@Suite struct GraphMutationTests {
    @Test func removingAUsedNodeFailsAndLeavesGraphUnchanged() throws {
        let builder = GraphBuilder(name: "g")
        builder.addInput(name: "x", type: .tensor(.float, Shape(static: [2])))
        let relu = try builder.addNode(opType: "Relu", domain: nil, name: "r", inputNames: ["x"],
            outputNames: ["y"], attributes: [])
        try builder.addNode(opType: "Neg", domain: nil, name: "n", inputNames: ["y"], outputNames: ["z"],
            attributes: [])
        builder.addOutput(name: "z", type: nil)
        let graph = try builder.finish()
        #expect(throws: IRError.self) { try graph.remove(relu) }
        #expect(graph.nodes.count == 2)
        #expect(relu.outputs[0]!.uses.count == 1)
    }
}

import OnnxIR
import Testing

/// x -> Relu(r) -> y -> Neg(n) -> z, with z the graph output.
private func chain() throws -> (Graph, Node, Node) {
    let builder = GraphBuilder(name: "g")
    builder.addInput(name: "x", type: .tensor(.float, Shape(static: [2])))
    let relu = try builder.addNode(
        opType: "Relu", domain: nil, name: "r", inputNames: ["x"], outputNames: ["y"], attributes: [])
    let neg = try builder.addNode(
        opType: "Neg", domain: nil, name: "n", inputNames: ["y"], outputNames: ["z"], attributes: [])
    builder.addOutput(name: "z", type: nil)
    return (try builder.finish(), relu, neg)
}

@Suite struct GraphMutationTests {
    @Test func builderResolvesNamesAndRecordsUses() throws {
        let (graph, relu, neg) = try chain()
        let x = try #require(graph.inputs.first)
        #expect(x.uses.map { $0.node === relu } == [true])
        #expect(neg.inputs[0] === relu.outputs[0])
        #expect(relu.outputs[0]?.producer === relu)
        #expect(graph.outputs.first === neg.outputs[0])
    }

    @Test func removingAUsedNodeFailsAndLeavesGraphUnchanged() throws {
        let (graph, relu, _) = try chain()
        #expect(throws: IRError.self) { try graph.remove(relu) }
        #expect(graph.nodes.count == 2)
        #expect(relu.outputs[0]!.uses.count == 1)
        #expect(graph.inputs[0].uses.count == 1)
    }

    @Test func removingANodeThatDefinesAGraphOutputFails() throws {
        let (graph, _, neg) = try chain()
        #expect(throws: IRError.nodeDefinesGraphOutput(node: "n", value: "z")) { try graph.remove(neg) }
    }

    @Test func replaceAllUsesRewiresConsumersAndThenRemovalSucceeds() throws {
        let (graph, relu, neg) = try chain()
        try relu.outputs[0]!.replaceAllUses(with: graph.inputs[0])
        #expect(neg.inputs[0] === graph.inputs[0])
        #expect(!relu.outputs[0]!.hasUses)
        try graph.remove(relu)
        #expect(graph.nodes.count == 1)
        #expect(graph.inputs[0].uses.map { $0.node === neg } == [true])
        try Verifier(checkOpsetImports: false).verify(graph: graph, visible: [], imported: [], functionDomains: [])
    }

    @Test func replaceAllUsesRefusesToRewireAGraphOutputSilently() throws {
        let (graph, _, neg) = try chain()
        let z = neg.outputs[0]!
        #expect(throws: IRError.replacingGraphOutput(value: "z")) { try z.replaceAllUses(with: graph.inputs[0]) }
        #expect(graph.outputs[0] === z)
        try z.replaceAllUses(with: graph.inputs[0], includingGraphOutputs: true)
        #expect(graph.outputs[0] === graph.inputs[0])
    }

    @Test func insertBeforeAndAfterKeepOrder() throws {
        let (graph, relu, neg) = try chain()
        let abs = Node(opType: "Abs", inputs: [relu.outputs[0]], outputNames: ["a"])
        try graph.insert(abs, after: relu)
        let sin = Node(opType: "Sin", inputs: [graph.inputs[0]], outputNames: ["s"])
        try graph.insert(sin, before: relu)
        #expect(graph.nodes.map(\.opType) == ["Sin", "Relu", "Abs", "Neg"])
        #expect(throws: IRError.self) { try graph.append(abs) }
        #expect(relu.outputs[0]!.uses.count == 2)
        _ = neg
    }

    @Test func setInputMovesTheUse() throws {
        let (graph, relu, neg) = try chain()
        neg.setInput(0, graph.inputs[0])
        #expect(!relu.outputs[0]!.hasUses)
        #expect(graph.inputs[0].uses.count == 2)
        neg.setInput(0, nil)
        #expect(graph.inputs[0].uses.count == 1)
    }

    @Test func uniqueNameAvoidsNamesInNestedGraphs() throws {
        let (graph, relu, _) = try chain()
        let inner = GraphBuilder(name: "body")
        try inner.addNode(
            opType: "Identity", domain: nil, name: nil, inputNames: [], outputNames: ["y_1"],
            attributes: [])
        inner.addOutput(name: "y_1", type: nil)
        relu.setAttribute(Attribute("body", .graph(try inner.finish())))
        #expect(graph.uniqueName("y") == "y_2")
        #expect(graph.uniqueName("fresh") == "fresh")
    }
}

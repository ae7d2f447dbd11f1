import OnnxIR
import OnnxText
import Passes
import Testing

@Suite struct DeadCodeTests {
    @Test func anInitializerBoundByTrainingInfoStays() throws {
        let model = try TextParser.parseModel(TestModels.withDeadCode)
        model.trainingInfo = [
            TrainingInfo(
                initialization: nil, algorithm: nil, initializationBinding: [KeyValue("unused", "init_out")],
                updateBinding: [])
        ]
        let result = try EliminateDeadCodePass(options: [:]).run(on: model, context: PassContext())
        #expect(result.statistics == ["removed-nodes": 1, "removed-initializers": 0])
        #expect(model.graph.initializers.map(\.name) == ["unused"])
    }

    @Test func aNodeWithoutOutputsStaysWithARemark() throws {
        let model = try TextParser.parseModel(TestModels.withDeadCode)
        guard let input = model.graph.inputs.first else {
            Issue.record("no input")
            return
        }
        try model.graph.append(Node(opType: "Print", domain: "", name: "printer", inputs: [input], outputNames: []))
        var remarks: [String] = []
        _ = try EliminateDeadCodePass(options: [:]).run(on: model, context: PassContext(remark: { remarks.append($0) }))
        #expect(model.graph.nodes.map(\.opType) == ["Relu", "Print"])
        #expect(remarks == ["kept node 'printer': it has no outputs, so it may exist for an effect"])
    }
}

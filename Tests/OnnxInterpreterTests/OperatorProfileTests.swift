import OnnxIR
import OnnxInterpreter
import Testing

@Suite struct OperatorProfileTests {
    /// x → Relu → Split into two halves → Mul of the halves → y.
    func model() throws -> Model {
        let builder = GraphBuilder(name: "profiled")
        builder.addInput(name: "x", type: .tensor(.float, Shape(static: [4])))
        try builder.addNode(
            opType: "Relu", domain: nil, name: "relu", inputNames: ["x"], outputNames: ["r"], attributes: [])
        try builder.addNode(
            opType: "Split", domain: nil, name: "split", inputNames: ["r"], outputNames: ["a", "b"],
            attributes: [.int("num_outputs", 2)])
        try builder.addNode(
            opType: "Mul", domain: nil, name: "mul", inputNames: ["a", "b"], outputNames: ["y"], attributes: [])
        builder.addOutput(name: "y", type: nil)
        return Model(graph: try builder.finish(), opsetImports: [OpsetImport(domain: "", version: 18)])
    }

    @Test func countsEachNodeOncePerRunWhateverItsOutputs() throws {
        let interpreter = try Interpreter(model: model())
        let profile = OperatorProfile()
        for _ in 0..<3 {
            profile.start()
            let outputs = try interpreter.run(["x": Arrays.f([-1, 2, 3, 4], [4])], observer: profile.observer)
            #expect(try outputs["y"]?.floatValues() == [0, 8])
        }
        #expect(profile.rows.map(\.opType).sorted() == ["Mul", "Relu", "Split"])
        #expect(profile.rows.allSatisfy { $0.calls == 3 && $0.seconds >= 0 })
        let table = profile.table
        #expect(table.hasPrefix("op type"))
        #expect(["Mul", "Relu", "Split", "total"].allSatisfy { name in table.contains("\n" + name) })
    }
}

import OnnxIR
import OnnxInterpreter
import Testing

/// Nodes that call model-local functions.
@Suite struct FunctionTests {
    /// `custom.Scale(x) = x * alpha` with `alpha` defaulting to 2, called with and without the attribute.
    func model() throws -> Model {
        let body = GraphBuilder(name: "Scale")
        body.addInput(name: "input", type: nil)
        try body.addNode(
            opType: "Constant", domain: nil, name: "factor", inputNames: [], outputNames: ["alpha_value"],
            attributes: [Attribute("value_float", .valueless(.float), refAttrName: "alpha")])
        try body.addNode(
            opType: "Mul", domain: nil, name: "scale", inputNames: ["input", "alpha_value"], outputNames: ["output"],
            attributes: [])
        body.addOutput(name: "output", type: nil)
        let function = Function(
            name: "Scale", domain: "custom", attributeDefaults: [.float("alpha", 2)], body: try body.finish(),
            opsetImports: [OpsetImport(domain: "", version: 17)])
        let main = GraphBuilder(name: "main")
        main.addInput(name: "x", type: .tensor(.float, Shape(static: [2])))
        try main.addNode(
            opType: "Scale", domain: "custom", name: "by_default", inputNames: ["x"], outputNames: ["doubled"],
            attributes: [])
        try main.addNode(
            opType: "Scale", domain: "custom", name: "by_ten", inputNames: ["doubled"], outputNames: ["y"],
            attributes: [.float("alpha", 10)])
        main.addOutput(name: "y", type: nil)
        return Model(
            graph: try main.finish(),
            opsetImports: [OpsetImport(domain: "", version: 17), OpsetImport(domain: "custom", version: 1)],
            functions: [function])
    }

    @Test func callsBindAttributesAndDefaults() throws {
        let interpreter = try Interpreter(model: model())
        var depths: [String: Int] = [:]
        let outputs = try interpreter.run(["x": Arrays.f([1, -3], [2])]) { event in depths[event.name] = event.depth }
        #expect(try outputs["y"]?.floatValues() == [20, -60])
        #expect(depths["doubled"] == 0)
        #expect(depths["alpha_value"] == 1)
    }
}

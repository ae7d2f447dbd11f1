import OnnxIR
import OnnxInterpreter

/// Builds and runs one-node models, the unit of most kernel tests.
enum SingleNode {
    /// A model with one node of `opType` whose inputs are graph inputs (nil for omitted ones).
    static func model(
        _ opType: String, inputs: [(String, NDArray)?], attributes: [Attribute] = [], outputs: Int = 1,
        opset: Int64 = 21, domain: String = ""
    ) throws -> Model {
        let builder = GraphBuilder(name: "test_\(opType)")
        var names: [String] = []
        for input in inputs {
            guard let (name, array) = input else {
                names.append("")
                continue
            }
            builder.addInput(
                name: name, type: .tensor(array.dataType, Shape(static: array.shape.map { Int64($0) })))
            names.append(name)
        }
        let outputNames = (0..<outputs).map { "y\($0)" }
        try builder.addNode(
            opType: opType, domain: domain.isEmpty ? nil : domain, name: "node_\(opType)", inputNames: names,
            outputNames: outputNames, attributes: attributes)
        for name in outputNames { builder.addOutput(name: name, type: nil) }
        var imports = [OpsetImport(domain: "", version: opset)]
        if !domain.isEmpty { imports.append(OpsetImport(domain: domain, version: 1)) }
        return Model(graph: try builder.finish(), irVersion: 10, opsetImports: imports)
    }

    /// Runs `opType` on the arrays (named x0, x1, ...) and returns its outputs in order.
    static func run(
        _ opType: String, _ arrays: [NDArray?], attributes: [Attribute] = [], outputs: Int = 1, opset: Int64 = 21
    ) throws -> [NDArray] {
        let inputs = arrays.enumerated().map { index, array in array.map { ("x\(index)", $0) } }
        let model = try model(opType, inputs: inputs, attributes: attributes, outputs: outputs, opset: opset)
        let interpreter = try Interpreter(model: model)
        var feeds: [String: NDArray] = [:]
        for case let (name, array)? in inputs { feeds[name] = array }
        let results = try interpreter.run(feeds)
        return try (0..<outputs).map { index in
            guard let result = results["y\(index)"] else { throw MissingOutput(index: index) }
            return result
        }
    }

    /// Runs a one-output node and returns its output.
    static func run1(_ opType: String, _ arrays: [NDArray?], attributes: [Attribute] = [], opset: Int64 = 21) throws
        -> NDArray
    {
        try run(opType, arrays, attributes: attributes, outputs: 1, opset: opset)[0]
    }

    /// An output the interpreter did not return.
    struct MissingOutput: Error {
        let index: Int
    }
}

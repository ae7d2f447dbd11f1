import Foundation
import OnnxIR
import OnnxInterpreter
import Testing

/// The interpreter keeps dequantized weights between runs without changing any result.
@Suite struct ConstantResultCacheTests {
    /// y = Relu(DequantizeLinear(w)) + x, where w is an int8 initializer; with `overridable`, w is also a graph input.
    func model(overridable: Bool) throws -> Model {
        let builder = GraphBuilder(name: "dq")
        builder.addInput(name: "x", type: .tensor(.float, Shape([.known(4)])))
        let weights = Tensor(
            name: "w", dataType: .int8, dims: [4],
            storage: .raw(Data([Int8(-3), 5, -7, 9].map { UInt8(bitPattern: $0) })))
        if overridable { builder.addInput(name: "w", type: .tensor(.int8, Shape([.known(4)]))) }
        builder.addInitializer(weights)
        builder.addInitializer(Tensor.floats([0.5], dims: [], name: "scale"))
        try builder.addNode(
            opType: "DequantizeLinear", domain: nil, name: "dq", inputNames: ["w", "scale"], outputNames: ["wf"],
            attributes: [])
        // Relu and Add may write over an input that dies with them: the cached array must survive that.
        try builder.addNode(
            opType: "Relu", domain: nil, name: "relu", inputNames: ["wf"], outputNames: ["r"], attributes: [])
        try builder.addNode(
            opType: "Add", domain: nil, name: "add", inputNames: ["r", "x"], outputNames: ["y"], attributes: [])
        builder.addOutput(name: "y", type: nil)
        return Model(graph: try builder.finish(), opsetImports: [OpsetImport(domain: "", version: 21)])
    }

    @Test(arguments: [0, Interpreter.defaultConstantCacheBytes])
    func repeatedRunsGiveTheSameResults(budget: Int) throws {
        let interpreter = try Interpreter(model: model(overridable: false), constantCacheBytes: budget)
        for _ in 0..<3 {
            var observed: [String] = []
            let outputs = try interpreter.run(["x": Arrays.f([1, 1, 1, 1], [4])]) { observed.append($0.name) }
            #expect(try outputs["y"]?.floatValues() == [1, 3.5, 1, 5.5])
            // A cached node still shows its output to observers, run after run.
            #expect(observed == ["x", "wf", "r", "y"])
        }
    }

    @Test func aWeightThatIsAlsoAGraphInputIsDequantizedAtEveryRun() throws {
        let interpreter = try Interpreter(model: model(overridable: true))
        let first = try interpreter.run(["x": Arrays.f([0, 0, 0, 0], [4])])
        #expect(try first["y"]?.floatValues() == [0, 2.5, 0, 4.5])
        let replaced = try NDArray(
            tensor: Tensor(name: "w", dataType: .int8, dims: [4], storage: .raw(Data([2, 2, 2, 2]))))
        let second = try interpreter.run(["x": Arrays.f([0, 0, 0, 0], [4]), "w": replaced])
        #expect(try second["y"]?.floatValues() == [1, 1, 1, 1])
    }
}

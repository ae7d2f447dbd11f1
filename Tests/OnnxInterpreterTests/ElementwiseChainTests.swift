import Foundation
import OnnxIR
import OnnxInterpreter
import Testing

/// Fused elementwise chains (runs without an observer) give the unfused steps' results bit for bit.
@Suite struct ElementwiseChainTests {
    /// x [1, 5, 7, 37] NHWC-style: Cast(float) → Sub(c) → Mul(c) → Add(c) → Relu over the last axis,
    /// then HardSwish as Add(3) → Clip(0, 6) → Div(6) → Mul(x'), then Sigmoid, then a Div with the
    /// chain value on the right (a per-row [5, 1, 1] operand) and an Erf; `extra` is also an output
    /// (so the chain stops there) and `z` an int64 Add that cannot fuse.
    func model() throws -> Model {
        let builder = GraphBuilder(name: "chains")
        builder.addInput(name: "x", type: .tensor(.float, Shape([.known(1), .known(5), .known(7), .known(37)])))
        builder.addInput(name: "n", type: .tensor(.int64, Shape([.known(3)])))
        let channels = 37
        builder.addInitializer(
            Tensor.floats((0..<channels).map { Float($0) * 0.37 - 3 }, dims: [Int64(channels)], name: "mean"))
        builder.addInitializer(
            Tensor.floats((0..<channels).map { 1.3 - Float($0) * 0.01 }, dims: [Int64(channels)], name: "scale"))
        builder.addInitializer(
            Tensor.floats((0..<channels).map { Float($0).squareRoot() }, dims: [Int64(channels)], name: "shift"))
        builder.addInitializer(Tensor.floats([3], dims: [], name: "three"))
        builder.addInitializer(Tensor.floats([0], dims: [], name: "zero"))
        builder.addInitializer(Tensor.floats([6], dims: [], name: "six"))
        builder.addInitializer(Tensor.floats([0.5, -2, 3, 0.1, 7], dims: [5, 1, 1], name: "rows"))
        builder.addInitializer(
            Tensor(name: "one", dataType: .int64, dims: [], storage: .raw(withUnsafeBytes(of: Int64(1)) { Data($0) })))
        let nodes: [(String, [String], String)] = [
            ("Cast", ["x"], "c"), ("Sub", ["c", "mean"], "s"), ("Mul", ["s", "scale"], "m"),
            ("Add", ["shift", "m"], "a"),
            ("Relu", ["a"], "r"), ("Add", ["r", "three"], "h1"), ("Clip", ["h1", "zero", "six"], "h2"),
            ("Div", ["h2", "six"], "h3"), ("Mul", ["r", "h3"], "hs"), ("Sigmoid", ["hs"], "extra"),
            ("Div", ["rows", "extra"], "d"), ("Erf", ["d"], "y"), ("Add", ["n", "one"], "z"),
        ]
        for (index, (op, inputs, output)) in nodes.enumerated() {
            let attributes = op == "Cast" ? [Attribute("to", .int(Int64(DataType.float.rawValue)))] : []
            try builder.addNode(
                opType: op, domain: nil, name: "n\(index)", inputNames: inputs, outputNames: [output],
                attributes: attributes)
        }
        builder.addOutput(name: "y", type: nil)
        builder.addOutput(name: "extra", type: nil)
        builder.addOutput(name: "z", type: nil)
        return Model(graph: try builder.finish(), opsetImports: [OpsetImport(domain: "", version: 21)])
    }

    func input() throws -> NDArray {
        let count = 5 * 7 * 37
        return try Arrays.f((0..<count).map { Float($0 % 97) * 0.173 - 8 + ($0 == 11 ? .nan : 0) }, [1, 5, 7, 37])
    }

    @Test func fusedRunsMatchObservedRunsBitForBit() throws {
        let interpreter = try Interpreter(model: model())
        let arguments = ["x": try input(), "n": try Arrays.i64([1, 2, 3], [3])]
        var observed: [String] = []
        let unfused = try interpreter.run(arguments) { observed.append($0.name) }
        let fused = try interpreter.run(arguments)
        // The observer still sees every tensor.
        #expect(observed == ["x", "n", "c", "s", "m", "a", "r", "h1", "h2", "h3", "hs", "extra", "d", "y", "z"])
        for name in ["y", "extra"] {
            let a = try #require(unfused[name]).floatValues()
            let b = try #require(fused[name]).floatValues()
            #expect(a.count == 5 * 7 * 37)
            #expect(BitIdentity.firstDifference(a, b) == nil, "\(name)")
        }
        #expect(try fused["z"]?.int64Values() == [2, 3, 4])
    }

    @Test func otherElementTypesRunThroughTheMembersKernels() throws {
        // The same graph on a double input: Cast makes it float first, so only the int64 Add differs;
        // a chain over int64 values falls back to the nodes' own kernels.
        let builder = GraphBuilder(name: "ints")
        builder.addInput(name: "n", type: .tensor(.int64, Shape([.known(4)])))
        builder.addInitializer(
            Tensor(name: "two", dataType: .int64, dims: [], storage: .raw(withUnsafeBytes(of: Int64(2)) { Data($0) })))
        try builder.addNode(
            opType: "Mul", domain: nil, name: "mul", inputNames: ["n", "two"], outputNames: ["m"], attributes: [])
        try builder.addNode(
            opType: "Sub", domain: nil, name: "sub", inputNames: ["two", "m"], outputNames: ["s"], attributes: [])
        try builder.addNode(
            opType: "Relu", domain: nil, name: "relu", inputNames: ["s"], outputNames: ["y"], attributes: [])
        builder.addOutput(name: "y", type: nil)
        let interpreter = try Interpreter(
            model: Model(graph: try builder.finish(), opsetImports: [OpsetImport(domain: "", version: 21)]))
        let outputs = try interpreter.run(["n": try Arrays.i64([-3, 0, 1, 5], [4])])
        #expect(try outputs["y"]?.int64Values() == [8, 2, 0, 0])
    }

    @Test func aShapeErrorNamesTheMemberNode() throws {
        let builder = GraphBuilder(name: "bad")
        builder.addInput(name: "x", type: .tensor(.float, Shape([.known(4)])))
        builder.addInput(name: "b", type: .tensor(.float, Shape([.known(3)])))
        try builder.addNode(
            opType: "Relu", domain: nil, name: "relu", inputNames: ["x"], outputNames: ["r"], attributes: [])
        try builder.addNode(
            opType: "Add", domain: nil, name: "badd", inputNames: ["r", "b"], outputNames: ["y"], attributes: [])
        builder.addOutput(name: "y", type: nil)
        let interpreter = try Interpreter(
            model: Model(graph: try builder.finish(), opsetImports: [OpsetImport(domain: "", version: 21)]))
        let error = #expect(throws: InterpreterError.self) {
            try interpreter.run(["x": try Arrays.f([1, 2, 3, 4], [4]), "b": try Arrays.f([1, 2, 3], [3])])
        }
        #expect(error?.description.contains("badd") == true)
    }
}

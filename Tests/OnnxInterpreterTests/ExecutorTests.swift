import OnnxIR
import OnnxInterpreter
import Testing

@Suite struct ExecutorTests {
    /// x (float[N, 3]) → Relu → Mul by a weight initializer → y.
    func chain(declaredBatch: Dimension = .symbolic("N")) throws -> Model {
        let builder = GraphBuilder(name: "chain")
        builder.addInput(name: "x", type: .tensor(.float, Shape([declaredBatch, .known(3)])))
        builder.addInitializer(Tensor.floats([1, 2, 3], dims: [3], name: "w"))
        try builder.addNode(
            opType: "Relu", domain: nil, name: "relu", inputNames: ["x"], outputNames: ["r"], attributes: [])
        try builder.addNode(
            opType: "Mul", domain: nil, name: "scale", inputNames: ["r", "w"], outputNames: ["y"], attributes: [])
        builder.addOutput(name: "y", type: nil)
        return Model(graph: try builder.finish(), opsetImports: [OpsetImport(domain: "", version: 17)])
    }

    @Test func runsWithDynamicBatchSizes() throws {
        let interpreter = try Interpreter(model: chain())
        #expect(interpreter.inputNames == ["x"])
        #expect(interpreter.outputNames == ["y"])
        let one = try interpreter.run(["x": Arrays.f([-1, 1, 2], [1, 3])])
        #expect(try one["y"]?.floatValues() == [0, 2, 6])
        let two = try interpreter.run(["x": Arrays.f([1, 1, 1, -5, 2, 2], [2, 3])])
        #expect(try two["y"]?.floatValues() == [1, 2, 3, 0, 4, 6])
    }

    @Test func unsupportedOperatorNamesOpNodeAndModel() throws {
        let builder = GraphBuilder(name: "g")
        builder.addInput(name: "x", type: nil)
        try builder.addNode(
            opType: "Frobnicate", domain: "com.example", name: "odd", inputNames: ["x"], outputNames: ["y"],
            attributes: [])
        builder.addOutput(name: "y", type: nil)
        let model = Model(
            graph: try builder.finish(),
            opsetImports: [OpsetImport(domain: "", version: 17), OpsetImport(domain: "com.example", version: 1)])
        #expect {
            try Interpreter(model: model, name: "demo.onnx")
        } throws: { error in
            let text = "\(error)"
            return text.contains("Frobnicate") && text.contains("'odd'") && text.contains("demo.onnx")
        }
    }

    @Test func badInputsAreErrorsNamingTheInput() throws {
        let interpreter = try Interpreter(model: chain(declaredBatch: .known(1)), name: "m")
        #expect(throws: InterpreterError.missingInput(name: "x", model: "m")) { try interpreter.run([:]) }
        #expect(throws: InterpreterError.unknownInput(name: "z", model: "m")) {
            try interpreter.run(["x": Arrays.f([1, 2, 3], [1, 3]), "z": Arrays.f([1], [1])])
        }
        #expect {
            try interpreter.run(["x": Arrays.i64([1, 2, 3], [1, 3])])
        } throws: { error in
            guard case InterpreterError.inputMismatch(let name, _, let reason) = error else { return false }
            return name == "x" && reason.contains("int64")
        }
        #expect {
            try interpreter.run(["x": Arrays.f([1, 2, 3, 4, 5, 6], [2, 3])])
        } throws: { error in
            guard case InterpreterError.inputMismatch(let name, _, let reason) = error else { return false }
            return name == "x" && reason.contains("[2, 3]")
        }
        #expect(throws: InterpreterError.self) { try interpreter.run(["x": Arrays.f([1, 2, 3], [3])]) }
    }

    @Test func nanIndexIsAnErrorNamingTheIndexTensorAndNode() throws {
        let builder = GraphBuilder(name: "indices")
        builder.addInput(name: "data", type: .tensor(.float, Shape(static: [3])))
        builder.addInput(name: "where", type: .tensor(.float, Shape(static: [1])))
        try builder.addNode(
            opType: "Cast", domain: nil, name: "to_int", inputNames: ["where"], outputNames: ["position"],
            attributes: [.int("to", 7)])
        try builder.addNode(
            opType: "Gather", domain: nil, name: "pick", inputNames: ["data", "position"], outputNames: ["y"],
            attributes: [])
        builder.addOutput(name: "y", type: nil)
        let model = Model(graph: try builder.finish(), opsetImports: [OpsetImport(domain: "", version: 17)])
        let interpreter = try Interpreter(model: model)
        let data = try Arrays.f([1, 2, 3], [3])
        #expect(try interpreter.run(["data": data, "where": Arrays.f([2], [1])])["y"]?.floatValues() == [3])
        #expect {
            try interpreter.run(["data": data, "where": Arrays.f([.nan], [1])])
        } throws: { error in
            let text = "\(error)"
            return text.contains("'pick'") && text.contains("'position'") && text.contains("out of range")
        }
    }

    @Test func observerSeesInputsAndEveryNodeOutputInOrder() throws {
        let interpreter = try Interpreter(model: chain())
        var seen: [(String, String?, [Float])] = []
        _ = try interpreter.run(["x": Arrays.f([-1, 1, 2], [1, 3])]) { event in
            seen.append((event.name, event.node?.name, try event.array.floatValues()))
        }
        #expect(seen.map(\.0) == ["x", "r", "y"])
        #expect(seen.map(\.1) == [nil, "relu", "scale"])
        #expect(seen[1].2 == [0, 1, 2])
    }

    @Test func observerErrorsStopTheRun() throws {
        struct Stop: Error {}
        let interpreter = try Interpreter(model: chain())
        #expect(throws: Stop.self) {
            try interpreter.run(["x": Arrays.f([1, 1, 1], [1, 3])]) { event in
                if event.name == "r" { throw Stop() }
            }
        }
    }

    @Test func nodesOutOfOrderAreScheduled() throws {
        let builder = GraphBuilder(name: "unsorted")
        builder.addInput(name: "x", type: nil)
        try builder.addNode(
            opType: "Neg", domain: nil, name: "second", inputNames: ["a"], outputNames: ["y"], attributes: [])
        try builder.addNode(
            opType: "Abs", domain: nil, name: "first", inputNames: ["x"], outputNames: ["a"], attributes: [])
        builder.addOutput(name: "y", type: nil)
        let model = Model(graph: try builder.finish(), opsetImports: [OpsetImport(domain: "", version: 17)])
        #expect(try Interpreter(model: model).run(["x": Arrays.f([-3], [1])])["y"]?.floatValues() == [-3])
    }

    @Test func cyclesAreRefused() throws {
        let builder = GraphBuilder(name: "cycle")
        try builder.addNode(
            opType: "Neg", domain: nil, name: "a", inputNames: ["q"], outputNames: ["p"], attributes: [])
        try builder.addNode(
            opType: "Neg", domain: nil, name: "b", inputNames: ["p"], outputNames: ["q"], attributes: [])
        builder.addOutput(name: "q", type: nil)
        let model = Model(graph: try builder.finish(), opsetImports: [OpsetImport(domain: "", version: 17)])
        #expect {
            try Interpreter(model: model)
        } throws: { error in "\(error)".contains("cycle") }
    }

    @Test func inputWithInitializerIsOptional() throws {
        let builder = GraphBuilder(name: "defaults")
        builder.addInput(name: "x", type: .tensor(.float, Shape(static: [2])))
        builder.addInitializer(Tensor.floats([5, 6], dims: [2], name: "x"))
        try builder.addNode(
            opType: "Neg", domain: nil, name: "n", inputNames: ["x"], outputNames: ["y"], attributes: [])
        builder.addOutput(name: "y", type: nil)
        let interpreter = try Interpreter(
            model: Model(graph: try builder.finish(), opsetImports: [OpsetImport(domain: "", version: 17)]))
        #expect(interpreter.inputNames.isEmpty)
        #expect(try interpreter.run([:])["y"]?.floatValues() == [-5, -6])
        #expect(try interpreter.run(["x": Arrays.f([1, 2], [2])])["y"]?.floatValues() == [-1, -2])
    }

    @Test func tensorsConvertToArraysAndBack() throws {
        let tensor = Tensor.floats([1, 2, 3, 4], dims: [2, 2], name: "t")
        let array = try NDArray(tensor: tensor)
        #expect(array.shape == [2, 2] && array.dataType == .float && array.count == 4)
        let back = array.tensor(name: "u")
        #expect(back.dims == [2, 2] && back.name == "u")
        #expect(try NDArray(tensor: back).floatValues() == [1, 2, 3, 4])
        let wrong = Tensor(name: "bad", dataType: .float, dims: [3], storage: .raw(.init([0, 0, 0, 0])))
        #expect(throws: InterpreterError.self) { try NDArray(tensor: wrong) }
        #expect(throws: InterpreterError.self) { try NDArray(floats: [1, 2], shape: [3]) }
    }

    @Test func supportedOperatorsListTheCoreSet() throws {
        let names = Set(Interpreter.supportedOperators)
        for op in [
            "Conv", "MatMul", "LSTM", "QuantizeLinear", "DequantizeLinear", "Resize", "If", "Loop", "Scan", "Einsum",
        ] {
            #expect(names.contains("ai.onnx:" + op), "missing \(op)")
        }
    }
}

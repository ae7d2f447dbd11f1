import OnnxIR
import OnnxInterpreter
import Testing

@Suite struct ControlFlowTests {
    /// A model whose main graph has input `x` (float[2]) and one node built by `build`.
    func model(_ build: (GraphBuilder) throws -> Void) throws -> Model {
        let builder = GraphBuilder(name: "main")
        builder.addInput(name: "x", type: .tensor(.float, Shape(static: [2])))
        try build(builder)
        return Model(graph: try builder.finish(), opsetImports: [OpsetImport(domain: "", version: 17)])
    }

    @Test func ifRunsTheChosenBranchWithCapturedValues() throws {
        let model = try model { builder in
            builder.addInput(name: "cond", type: .tensor(.bool, Shape(static: [])))
            let thenBranch = GraphBuilder(name: "then", outer: builder)
            try thenBranch.addNode(
                opType: "Add", domain: nil, name: "double", inputNames: ["x", "x"], outputNames: ["doubled"],
                attributes: [])
            thenBranch.addOutput(name: "doubled", type: nil)
            let elseBranch = GraphBuilder(name: "else", outer: builder)
            try elseBranch.addNode(
                opType: "Neg", domain: nil, name: "negate", inputNames: ["x"], outputNames: ["negated"], attributes: [])
            elseBranch.addOutput(name: "negated", type: nil)
            try builder.addNode(
                opType: "If", domain: nil, name: "choose", inputNames: ["cond"], outputNames: ["y"],
                attributes: [
                    Attribute("then_branch", .graph(try thenBranch.finish())),
                    Attribute("else_branch", .graph(try elseBranch.finish())),
                ])
            builder.addOutput(name: "y", type: nil)
        }
        let interpreter = try Interpreter(model: model)
        let x = try Arrays.f([1, -2], [2])
        #expect(try interpreter.run(["x": x, "cond": Arrays.bool([true], [])])["y"]?.floatValues() == [2, -4])
        #expect(try interpreter.run(["x": x, "cond": Arrays.bool([false], [])])["y"]?.floatValues() == [-1, 2])
    }

    @Test func loopCarriesValuesAndStacksScanOutputs() throws {
        let model = try model { builder in
            builder.addInitializer(Tensor.int64s([3], dims: [], name: "trips"))
            builder.addInitializer(Tensor(name: "go", dataType: .bool, dims: [], storage: .raw(.init([1]))))
            let body = GraphBuilder(name: "body", outer: builder)
            body.addInput(name: "i", type: .tensor(.int64, Shape(static: [])))
            body.addInput(name: "c", type: .tensor(.bool, Shape(static: [])))
            body.addInput(name: "v", type: .tensor(.float, Shape(static: [2])))
            try body.addNode(
                opType: "Add", domain: nil, name: "accumulate", inputNames: ["v", "x"], outputNames: ["v_next"],
                attributes: [])
            try body.addNode(
                opType: "Identity", domain: nil, name: "keep_going", inputNames: ["c"], outputNames: ["c_next"],
                attributes: [])
            body.addOutput(name: "c_next", type: nil)
            body.addOutput(name: "v_next", type: nil)
            body.addOutput(name: "v_next", type: nil)
            try builder.addNode(
                opType: "Loop", domain: nil, name: "repeat", inputNames: ["trips", "go", "x"],
                outputNames: ["final", "history"], attributes: [Attribute("body", .graph(try body.finish()))])
            builder.addOutput(name: "final", type: nil)
            builder.addOutput(name: "history", type: nil)
        }
        let outputs = try Interpreter(model: model).run(["x": Arrays.f([1, 10], [2])])
        #expect(try outputs["final"]?.floatValues() == [4, 40])
        #expect(outputs["history"]?.shape == [3, 2])
        #expect(try outputs["history"]?.floatValues() == [2, 20, 3, 30, 4, 40])
    }

    @Test func aLoopThatWouldRunForEverStopsAtTheIterationLimit() throws {
        // Trip count 2^62 used to run for ever in `run` and calibration.
        let model = try model { builder in
            builder.addInitializer(Tensor.int64s([1 << 62], dims: [], name: "trips"))
            builder.addInitializer(Tensor(name: "go", dataType: .bool, dims: [], storage: .raw(.init([1]))))
            let body = GraphBuilder(name: "body", outer: builder)
            body.addInput(name: "i", type: .tensor(.int64, Shape(static: [])))
            body.addInput(name: "c", type: .tensor(.bool, Shape(static: [])))
            body.addInput(name: "v", type: .tensor(.float, Shape(static: [2])))
            try body.addNode(
                opType: "Identity", domain: nil, name: "keep_going", inputNames: ["c"], outputNames: ["c_next"],
                attributes: [])
            try body.addNode(
                opType: "Identity", domain: nil, name: "same", inputNames: ["v"], outputNames: ["v_next"],
                attributes: [])
            body.addOutput(name: "c_next", type: nil)
            body.addOutput(name: "v_next", type: nil)
            try builder.addNode(
                opType: "Loop", domain: nil, name: "endless", inputNames: ["trips", "go", "x"], outputNames: ["final"],
                attributes: [Attribute("body", .graph(try body.finish()))])
            builder.addOutput(name: "final", type: nil)
        }
        // The default limit takes a while in a debug build; a smaller one shows the same stop.
        let error = #expect(throws: InterpreterError.self) {
            try Interpreter(model: model, loopIterationLimit: 1000).run(["x": Arrays.f([1, 10], [2])])
        }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.contains("endless") && message.contains("stopped after 1000 iterations"), "\(message)")
        #expect(Interpreter.maximumLoopIterations == 1 << 20)
    }

    @Test func scanRunsOverTheSequenceAxis() throws {
        let model = try model { builder in
            builder.addInput(name: "sequence", type: .tensor(.float, Shape(static: [3, 2])))
            let body = GraphBuilder(name: "body", outer: builder)
            body.addInput(name: "sum", type: .tensor(.float, Shape(static: [2])))
            body.addInput(name: "item", type: .tensor(.float, Shape(static: [2])))
            try body.addNode(
                opType: "Add", domain: nil, name: "add", inputNames: ["sum", "item"], outputNames: ["sum_next"],
                attributes: [])
            try body.addNode(
                opType: "Identity", domain: nil, name: "copy", inputNames: ["sum_next"], outputNames: ["partial"],
                attributes: [])
            body.addOutput(name: "sum_next", type: nil)
            body.addOutput(name: "partial", type: nil)
            try builder.addNode(
                opType: "Scan", domain: nil, name: "scan", inputNames: ["x", "sequence"],
                outputNames: ["total", "partials"],
                attributes: [Attribute("body", .graph(try body.finish())), .int("num_scan_inputs", 1)])
            builder.addOutput(name: "total", type: nil)
            builder.addOutput(name: "partials", type: nil)
        }
        let outputs = try Interpreter(model: model).run([
            "x": Arrays.f([0, 0], [2]), "sequence": Arrays.f([1, 2, 3, 4, 5, 6], [3, 2]),
        ])
        #expect(try outputs["total"]?.floatValues() == [9, 12])
        #expect(try outputs["partials"]?.floatValues() == [1, 2, 4, 6, 9, 12])
    }
}

import OnnxIR
import Testing

@testable import OnnxInterpreter

/// Unobserved runs fuse chains of float elementwise nodes into one loop (`FusedElementwise`); observed
/// runs keep one step per node. The two must agree bit for bit, and a fused group's errors must name the
/// node that failed.
@Suite struct ElementwiseFusionTests {
    /// An observer that looks at nothing, so the run takes the one-step-per-node schedule.
    static var watchEverything: TensorObserver { { _ in } }

    /// Values with the awkward cases in them: NaN, infinities, signed zeros, the Clip bounds themselves.
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        let specials: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, 3, -3, 6, -6, 1e-40, -1e30]
        var state = seed
        return (0..<count).map { index in
            if index % 97 == 5 { return specials[(index / 97) % specials.count] }
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 20_000) / 1000
        }
    }

    /// Two chains over x [N, C, H, W]: HardSwish written out (Add, Clip with bound inputs, Mul by x, Div),
    /// then a BatchNormalization written out over the last axis (Sub, Mul, Add of [W] vectors), a
    /// float-to-float Cast, Identity, Relu and Sigmoid; a Transpose in front makes x die inside the
    /// first chain, so the fused loop may write over it.
    static func chains(channels: Int, width: Int) throws -> Model {
        let builder = GraphBuilder(name: "chains")
        builder.addInput(name: "input", type: nil)
        builder.addInitializer(Tensor.floats([3], dims: [], name: "three"))
        builder.addInitializer(Tensor.floats([0], dims: [], name: "zero"))
        builder.addInitializer(Tensor.floats([6], dims: [], name: "six"))
        builder.addInitializer(Tensor.floats(values(width, seed: 1), dims: [Int64(width)], name: "mean"))
        builder.addInitializer(Tensor.floats(values(width, seed: 2), dims: [Int64(width)], name: "scale"))
        builder.addInitializer(
            Tensor.floats(values(channels, seed: 3), dims: [1, Int64(channels), 1, 1], name: "bias"))
        let nodes: [(String, String, [String], [Attribute])] = [
            ("Transpose", "x", ["input"], [.ints("perm", [0, 1, 2, 3])]),
            ("Add", "shifted", ["x", "three"], []),
            ("Clip", "clipped", ["shifted", "zero", "six"], []),
            ("Mul", "gated", ["x", "clipped"], []),
            ("Div", "hardswish", ["gated", "six"], []),
            ("Sub", "centred", ["hardswish", "mean"], []),
            ("Mul", "scaled", ["centred", "scale"], []),
            ("Add", "biased", ["scaled", "bias"], []),
            ("Cast", "same", ["biased"], [.int("to", 1)]),
            ("Identity", "alias", ["same"], []),
            ("Relu", "rectified", ["alias"], []),
            ("Sigmoid", "y", ["rectified"], []),
        ]
        for (opType, output, inputs, attributes) in nodes {
            try builder.addNode(
                opType: opType, domain: nil, name: output, inputNames: inputs, outputNames: [output],
                attributes: attributes)
        }
        builder.addOutput(name: "y", type: nil)
        return Model(graph: try builder.finish(), opsetImports: [OpsetImport(domain: "", version: 17)])
    }

    static func compare(_ model: Model, _ inputs: [String: NDArray]) throws -> (fused: [Float], plain: [Float]) {
        let interpreter = try Interpreter(model: model)
        let output = interpreter.outputNames[0]
        let fused = try interpreter.run(inputs)[output]?.floatValues() ?? []
        let plain = try interpreter.run(inputs, observer: watchEverything)[output]?.floatValues() ?? []
        return (fused, plain)
    }

    @Test(arguments: [[1, 3, 5, 7], [2, 8, 9, 37], [1, 64, 48, 48]])
    func fusedChainsGiveTheNodesBits(shape: [Int]) throws {
        let model = try Self.chains(channels: shape[1], width: shape[3])
        #expect(try Interpreter(model: model).scheduleLengths == (12, 2))
        let count = shape.reduce(1, *)
        let input = try NDArray(floats: Self.values(count, seed: 7), shape: shape)
        let (fused, plain) = try Self.compare(model, ["input": input])
        #expect(fused.count == count)
        #expect(BitIdentity.firstDifference(fused, plain) == nil)
    }

    /// A BatchNormalization written out over the last axis of an NHWC image, as tf2onnx writes it: short rows
    /// that one chunk takes several of, with the [C] vectors repeated once per row.
    @Test(arguments: [[1, 7, 9, 24], [2, 40, 40, 64], [3, 5, 300]])
    func shortRowsGoSeveralToAChunk(shape: [Int]) throws {
        let channels = shape[shape.count - 1]
        let builder = GraphBuilder(name: "nhwc")
        builder.addInput(name: "x", type: nil)
        for (index, name) in ["mean", "scale", "bias"].enumerated() {
            builder.addInitializer(
                Tensor.floats(Self.values(channels, seed: UInt64(index + 11)), dims: [Int64(channels)], name: name))
        }
        let nodes: [(String, String, [String])] = [
            ("Sub", "centred", ["x", "mean"]), ("Mul", "scaled", ["centred", "scale"]),
            ("Add", "biased", ["scaled", "bias"]), ("Relu", "y", ["biased"]),
        ]
        for (opType, output, inputs) in nodes {
            try builder.addNode(
                opType: opType, domain: nil, name: output, inputNames: inputs, outputNames: [output], attributes: [])
        }
        builder.addOutput(name: "y", type: nil)
        let model = Model(graph: try builder.finish(), opsetImports: [OpsetImport(domain: "", version: 17)])
        #expect(try Interpreter(model: model).scheduleLengths == (4, 1))
        let input = try NDArray(floats: Self.values(shape.reduce(1, *), seed: 5), shape: shape)
        let (fused, plain) = try Self.compare(model, ["x": input])
        #expect(fused.count == shape.reduce(1, *))
        #expect(BitIdentity.firstDifference(fused, plain) == nil)
    }

    /// An observer that says which tensors it wants (calibration) gets them, the same bits in the same order,
    /// while the nodes between them run fused.
    @Test func anObserverWatchingSomeTensorsSeesThemWhileTheRestRunsFused() throws {
        let model = try Self.chains(channels: 8, width: 37)
        let interpreter = try Interpreter(model: model)
        let input = try NDArray(floats: Self.values(2 * 8 * 9 * 37, seed: 3), shape: [2, 8, 9, 37])
        let wanted: Set<String> = ["x", "hardswish", "y"]
        var everything: [(String, [Float])] = []
        _ = try interpreter.run(["input": input]) { everything.append(($0.name, try $0.array.floatValues())) }
        var watched: [(String, [Float])] = []
        _ = try interpreter.run(["input": input], observer: { watched.append(($0.name, try $0.array.floatValues())) }) {
            wanted.contains($0)
        }
        let expected = everything.filter { wanted.contains($0.0) }
        let seen = watched.filter { wanted.contains($0.0) }
        #expect(seen.map(\.0) == expected.map(\.0))
        for (got, want) in zip(seen, expected) { #expect(BitIdentity.firstDifference(got.1, want.1) == nil) }
        // The values inside the two groups around "hardswish" were never stored, so nobody saw them.
        #expect(!watched.contains { ["shifted", "clipped", "centred", "rectified"].contains($0.0) })
        #expect(everything.contains { $0.0 == "clipped" })
    }

    /// An affine layer then HardSwish written out over its result, as PP-LCNet's blocks are: the affine's
    /// output is read twice, both times inside the group, so all six nodes are one loop.
    @Test(arguments: [[1, 4, 6, 6], [2, 16, 33, 35]])
    func aValueReadTwiceInsideTheGroupJoinsIt(shape: [Int]) throws {
        let builder = GraphBuilder(name: "affine_hardswish")
        builder.addInput(name: "x", type: nil)
        for (name, value) in [("scale", Float(1.25)), ("bias", -0.5), ("three", 3), ("zero", 0), ("six", 6)] {
            builder.addInitializer(Tensor.floats([value], dims: [], name: name))
        }
        let nodes: [(String, String, [String])] = [
            ("Mul", "scaled", ["x", "scale"]), ("Add", "a", ["scaled", "bias"]), ("Add", "shifted", ["a", "three"]),
            ("Clip", "clipped", ["shifted", "zero", "six"]), ("Mul", "gated", ["a", "clipped"]),
            ("Div", "y", ["gated", "six"]),
        ]
        for (opType, output, inputs) in nodes {
            try builder.addNode(
                opType: opType, domain: nil, name: output, inputNames: inputs, outputNames: [output], attributes: [])
        }
        builder.addOutput(name: "y", type: nil)
        let model = Model(graph: try builder.finish(), opsetImports: [OpsetImport(domain: "", version: 17)])
        #expect(try Interpreter(model: model).scheduleLengths == (6, 1))
        let input = try NDArray(floats: Self.values(shape.reduce(1, *), seed: 21), shape: shape)
        let (fused, plain) = try Self.compare(model, ["x": input])
        #expect(fused.count == shape.reduce(1, *))
        #expect(BitIdentity.firstDifference(fused, plain) == nil)
    }

    @Test func valuesUsedTwiceOrReturnedAreNotFusedAway() throws {
        let builder = GraphBuilder(name: "shared")
        builder.addInput(name: "x", type: nil)
        builder.addInitializer(Tensor.floats([0.5], dims: [1], name: "half"))
        try builder.addNode(
            opType: "Mul", domain: nil, name: "m", inputNames: ["x", "half"], outputNames: ["m"], attributes: [])
        try builder.addNode(
            opType: "Tanh", domain: nil, name: "t", inputNames: ["m"], outputNames: ["t"], attributes: [])
        try builder.addNode(
            opType: "Add", domain: nil, name: "a", inputNames: ["t", "m"], outputNames: ["a"], attributes: [])
        try builder.addNode(
            opType: "Neg", domain: nil, name: "n", inputNames: ["a"], outputNames: ["n"], attributes: [])
        builder.addOutput(name: "t", type: nil)
        builder.addOutput(name: "n", type: nil)
        let model = Model(graph: try builder.finish(), opsetImports: [OpsetImport(domain: "", version: 17)])
        let interpreter = try Interpreter(model: model)
        // m has two uses and t is an output, so only Add and Neg fuse.
        #expect(interpreter.scheduleLengths == (4, 3))
        let x = try NDArray(floats: Self.values(300, seed: 9), shape: [3, 100])
        let fused = try interpreter.run(["x": x])
        let plain = try interpreter.run(["x": x], observer: Self.watchEverything)
        for name in ["t", "n"] {
            #expect(try BitIdentity.firstDifference(fused[name]!.floatValues(), plain[name]!.floatValues()) == nil)
        }
    }

    @Test func inputsTheLoopDoesNotTakeRunNodeByNode() throws {
        let model = try Self.chains(channels: 2, width: 4)
        let interpreter = try Interpreter(model: model)
        // A double input: the group's float loop declines and the nodes' own kernels report the type clash.
        let ones = [Double](repeating: 1, count: 16).withUnsafeBytes { Array($0) }
        let double = try NDArray(ones, dataType: .double, shape: [1, 2, 2, 4])
        #expect {
            try interpreter.run(["input": double])
        } throws: { error in
            "\(error)".contains("'shifted'")
        }
    }

    @Test func aShapeClashInsideAGroupNamesItsNode() throws {
        let model = try Self.chains(channels: 2, width: 4)
        let interpreter = try Interpreter(model: model)
        // Width 5 does not broadcast with the [4] mean: the error must name 'centred', fused or not.
        let input = try NDArray(floats: Self.values(20, seed: 4), shape: [1, 2, 2, 5])
        for observer in [nil, Self.watchEverything] {
            #expect {
                try interpreter.run(["input": input], observer: observer)
            } throws: { error in
                "\(error)".contains("'centred'") && "\(error)".contains("Sub")
            }
        }
    }
}

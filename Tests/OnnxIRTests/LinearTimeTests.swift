import OnnxIR
import Testing

/// Graphs whose size a file controls (many readers, inputs, initializers) are built, verified and pruned in
/// time linear in their size.
///
/// Each case took minutes before (n² steps in the verifier's use check, the graph's input and output
/// observers, one-at-a-time initializer removal); the bound is two orders of magnitude above what a
/// linear run takes in a debug build, so only a quadratic loop can miss it.
@Suite struct LinearTimeTests {
    private let count = 20000
    private let bound = Duration.seconds(20)

    private func model(_ build: (GraphBuilder) throws -> Void) throws -> Model {
        let builder = GraphBuilder(name: "main")
        try build(builder)
        return Model(graph: try builder.finish(), irVersion: 10, opsetImports: [OpsetImport(domain: "", version: 17)])
    }

    @Test func oneNodeReadingOneValueManyTimes() throws {
        let elapsed = try ContinuousClock().measure {
            let built = try model { builder in
                builder.addInput(name: "x", type: .tensor(.float, Shape(static: [1])))
                try builder.addNode(
                    opType: "Concat", domain: nil, name: "cat", inputNames: Array(repeating: "x", count: count),
                    outputNames: ["y"], attributes: [Attribute("axis", .int(0))])
                builder.addOutput(name: "y", type: nil)
            }
            try Verifier().verify(built)
            #expect(built.graph.inputs[0].uses.count == count)
        }
        #expect(elapsed < bound)
    }

    @Test func oneValueWithManyReaders() throws {
        let elapsed = try ContinuousClock().measure {
            let built = try model { builder in
                builder.addInput(name: "x", type: .tensor(.float, Shape(static: [1])))
                for index in 0..<count {
                    try builder.addNode(
                        opType: "Relu", domain: nil, name: "n\(index)", inputNames: ["x"], outputNames: ["r\(index)"],
                        attributes: [])
                    builder.addOutput(name: "r\(index)", type: nil)
                }
            }
            try Verifier().verify(built)
            #expect(built.graph.outputs.count == count)
        }
        #expect(elapsed < bound)
    }

    @Test func manyGraphInputs() throws {
        let elapsed = try ContinuousClock().measure {
            let built = try model { builder in
                for index in 0..<count {
                    builder.addInput(name: "i\(index)", type: .tensor(.float, Shape(static: [1])))
                }
                try builder.addNode(
                    opType: "Relu", domain: nil, name: "n", inputNames: ["i0"], outputNames: ["y"], attributes: [])
                builder.addOutput(name: "y", type: nil)
            }
            try Verifier().verify(built)
            #expect(built.graph.inputs.count == count)
            #expect(built.graph.inputs.allSatisfy { $0.graph === built.graph })
        }
        #expect(elapsed < bound)
    }

    @Test func removingManyUnusedInitializers() throws {
        let elapsed = try ContinuousClock().measure {
            let built = try model { builder in
                builder.addInput(name: "x", type: .tensor(.float, Shape(static: [1])))
                for index in 0..<(2 * count) {
                    builder.addInitializer(Tensor.floats([1], dims: [1], name: "w\(index)"))
                }
                try builder.addNode(
                    opType: "Add", domain: nil, name: "n", inputNames: ["x", "w0"], outputNames: ["y"], attributes: [])
                builder.addOutput(name: "y", type: nil)
            }
            let unused = Array(built.graph.initializers.dropFirst())
            try built.graph.removeInitializers(unused)
            #expect(built.graph.initializers.map(\.name) == ["w0"])
            #expect(built.graph.uniqueName("w1") == "w1")
            try Verifier().verify(built)
        }
        #expect(elapsed < bound)
    }

    @Test func removingAnInitializerStillReadIsRefusedAndChangesNothing() throws {
        let built = try model { builder in
            builder.addInput(name: "x", type: .tensor(.float, Shape(static: [1])))
            builder.addInitializer(Tensor.floats([1], dims: [1], name: "a"))
            builder.addInitializer(Tensor.floats([1], dims: [1], name: "b"))
            try builder.addNode(
                opType: "Add", domain: nil, name: "n", inputNames: ["x", "b"], outputNames: ["y"], attributes: [])
            builder.addOutput(name: "y", type: nil)
        }
        #expect(throws: IRError.self) { try built.graph.removeInitializers(built.graph.initializers) }
        #expect(built.graph.initializers.map(\.name) == ["a", "b"])
    }
}

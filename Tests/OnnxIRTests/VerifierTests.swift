import Foundation
import OnnxIR
import Testing

private func model(_ build: (GraphBuilder) throws -> Void) throws -> Model {
    let builder = GraphBuilder(name: "main")
    try build(builder)
    return Model(graph: try builder.finish(), irVersion: 10, opsetImports: [OpsetImport(domain: "", version: 17)])
}

@Suite struct VerifierTests {
    @Test func acceptsAValidGraphWithASubgraphCapture() throws {
        let outerBuilder = GraphBuilder(name: "main")
        outerBuilder.addInput(name: "cond", type: .tensor(.bool, Shape([])))
        outerBuilder.addInput(name: "x", type: .tensor(.float, nil))
        let thenBranch = GraphBuilder(name: "then", outer: outerBuilder)
        try thenBranch.addNode(
            opType: "Relu", domain: nil, name: "inner", inputNames: ["x"], outputNames: ["t"],
            attributes: [])
        thenBranch.addOutput(name: "t", type: nil)
        let elseBranch = GraphBuilder(name: "else", outer: outerBuilder)
        elseBranch.addOutput(name: "x", type: nil)
        try outerBuilder.addNode(
            opType: "If", domain: nil, name: "if", inputNames: ["cond"], outputNames: ["y"],
            attributes: [
                Attribute("then_branch", .graph(try thenBranch.finish())),
                Attribute("else_branch", .graph(try elseBranch.finish())),
            ])
        outerBuilder.addOutput(name: "y", type: nil)
        let model = Model(graph: try outerBuilder.finish(), opsetImports: [OpsetImport(domain: "", version: 17)])
        try Verifier().verify(model)
        let x = model.graph.inputs[1]
        #expect(x.uses.count == 1)
        #expect(x.uses.first?.node.name == "inner")
        #expect(model.graph.nodes[0].subgraphs.allSatisfy { $0.parentNode === model.graph.nodes[0] })
    }

    @Test func undefinedInputIsRejectedByTheBuilder() throws {
        #expect(throws: IRError.undefinedValue(name: "nope", node: "n")) {
            try model { builder in
                try builder.addNode(
                    opType: "Relu", domain: nil, name: "n", inputNames: ["nope"],
                    outputNames: ["y"], attributes: [])
            }
        }
    }

    @Test func useBeforeDefinitionIsReportedAsOrderProblem() throws {
        let m = try model { builder in
            builder.addInput(name: "x", type: nil)
            try builder.addNode(
                opType: "Neg", domain: nil, name: "second", inputNames: ["y"], outputNames: ["z"],
                attributes: [])
            try builder.addNode(
                opType: "Relu", domain: nil, name: "first", inputNames: ["x"], outputNames: ["y"],
                attributes: [])
            builder.addOutput(name: "z", type: nil)
        }
        #expect(throws: IRError.notTopologicallySorted(node: "second", value: "y")) { try Verifier().verify(m) }
    }

    @Test func duplicateDefinitionIsRejected() throws {
        let m = try model { builder in
            builder.addInput(name: "x", type: nil)
            try builder.addNode(
                opType: "Relu", domain: nil, name: "a", inputNames: ["x"], outputNames: ["y"],
                attributes: [])
            try builder.addNode(
                opType: "Neg", domain: nil, name: "b", inputNames: ["x"], outputNames: ["y"],
                attributes: [])
            builder.addOutput(name: "y", type: nil)
        }
        #expect(throws: IRError.duplicateDefinition(name: "y", graph: "main")) { try Verifier().verify(m) }
    }

    @Test func missingOpsetImportIsRejected() throws {
        let m = try model { builder in
            builder.addInput(name: "x", type: nil)
            try builder.addNode(
                opType: "Custom", domain: "com.example", name: "c", inputNames: ["x"],
                outputNames: ["y"], attributes: [])
            builder.addOutput(name: "y", type: nil)
        }
        #expect(throws: IRError.missingOpsetImport(domain: "com.example", node: "c")) { try Verifier().verify(m) }
        m.opsetImports.append(OpsetImport(domain: "com.example", version: 1))
        try Verifier().verify(m)
    }

    @Test func inputThatIsAlsoAnInitializerIsOneValue() throws {
        let m = try model { builder in
            builder.addInput(name: "w", type: .tensor(.float, Shape(static: [2])))
            builder.addInitializer(Tensor.floats([1, 2], dims: [2], name: "w"))
            builder.addOutput(name: "w", type: nil)
        }
        #expect(m.graph.inputs.count == 1)
        #expect(m.graph.initializers.count == 1)
        #expect(m.graph.inputs[0] === m.graph.initializers[0])
        try Verifier().verify(m)
    }

    @Test func aRepeatedAttributeIsRejected() throws {
        let m = try model { builder in
            builder.addInput(name: "x", type: nil)
            try builder.addNode(
                opType: "Concat", domain: nil, name: "cat", inputNames: ["x", "x"], outputNames: ["y"],
                attributes: [Attribute("axis", .int(0)), Attribute("axis", .int(1))])
            builder.addOutput(name: "y", type: nil)
        }
        #expect(throws: IRError.invalidModel("node 'cat' has attribute 'axis' more than once")) {
            try Verifier().verify(m)
        }
    }

    @Test func anInitializerWhoseDataDoesNotFitItsDimsIsRejected() throws {
        let cases: [(Tensor, String)] = [
            (
                Tensor(name: "w", dataType: .float, dims: [4], storage: .raw(Data([0, 0, 0, 0]))),
                "raw_data holds 4 bytes"
            ),
            (Tensor(name: "w", dataType: .float, dims: [1 << 40], storage: .floats([1])), "float_data holds 1 entries"),
            (Tensor(name: "w", dataType: .float, dims: [-2], storage: .raw(Data())), "dimension -2 is negative"),
            (Tensor(name: "w", dataType: .undefined, dims: [1], storage: .raw(Data([0]))), "data_type is 0"),
            (Tensor(name: "w", dataType: .int64, dims: [3], storage: .none), "has no data for its 3 elements"),
            (Tensor(name: "w", dataType: .int4, dims: [3], storage: .int32s([0x21, 0x03, 0])), "int32_data holds 3"),
        ]
        for (tensor, fragment) in cases {
            let m = try model { builder in
                builder.addInitializer(tensor)
                builder.addOutput(name: "w", type: nil)
            }
            do {
                try Verifier().verify(m)
                Issue.record("accepted: \(fragment)")
            } catch let error as IRError {
                #expect("\(error)".hasPrefix("tensor 'w': ") && "\(error)".contains(fragment), "\(error)")
            }
        }
        // Sub-byte types pack two elements to an int32_data entry.
        let packed = try model { builder in
            builder.addInitializer(Tensor(name: "w", dataType: .int4, dims: [3], storage: .int32s([0x21, 0x03])))
            builder.addOutput(name: "w", type: nil)
        }
        try Verifier().verify(packed)
    }
}

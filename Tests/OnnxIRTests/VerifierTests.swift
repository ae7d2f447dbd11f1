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
}

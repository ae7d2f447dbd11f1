import OnnxIR
import OnnxText
import Testing

/// a and b feed an If whose then-branch reads a inside a node and whose else-branch outputs b itself.
private let capturing = """
    <
       ir_version: 8,
       opset_import: ["" : 17]
    >
    captures (bool cond, float[2] x) => (float[2] y, float[2] z)
    {
       a = Relu (x)
       b = Neg (x)
       c = Abs (x)
       y = If (cond) <
          then_branch = then_graph () => (float[2] t) {
             t = Add (a, x)
          },
          else_branch = else_graph () => (float[2] b) {
          }
       >
       z = Sin (c)
    }
    """

/// x -> Relu -> r -> Neg -> n -> Exp -> z, with a constant operand on the side.
private let chain = """
    <
       ir_version: 8,
       opset_import: ["" : 17]
    >
    chain (float[2] x) => (float[2] z)
    <float[2] w = {1.0, 2.0}>
    {
       r = Relu (x)
       n = Mul (r, w)
       z = Exp (n)
    }
    """

private func parse(_ text: String) throws -> Model { try TextParser.parseModel(text) }

private func print(_ model: Model) throws -> String { try TextPrinter().print(model).text }

private func value(_ name: String, in graph: Graph) throws -> Value {
    let outputs = graph.allNodes().flatMap { $0.outputs.compactMap { $0 } }
    return try #require(outputs.first { $0.name == name } ?? graph.value(named: name))
}

private func node(producing name: String, in graph: Graph) throws -> Node {
    try #require(try value(name, in: graph).producer)
}

private func verify(_ model: Model) throws { try Verifier().verify(model) }

@Suite struct GraphRewriteTests {
    @Test func capturesByNestedGraphsAreUses() throws {
        let model = try parse(capturing)
        let graph = model.graph
        let ifNode = try node(producing: "y", in: graph)
        let (thenBranch, elseBranch) = (ifNode.subgraphs[0], ifNode.subgraphs[1])
        let a = try value("a", in: graph)
        let b = try value("b", in: graph)
        #expect(a.uses.map { $0.node.graph === thenBranch } == [true])
        #expect(b.uses.isEmpty)
        #expect(b.hasUses && b.isNestedGraphOutput && !b.isGraphOutput)
        #expect(b.outputUses.map { $0.graph === elseBranch } == [true])
    }

    @Test func removingACapturedValueFailsAndChangesNothing() throws {
        let model = try parse(capturing)
        let graph = model.graph
        let before = try print(model)
        #expect(throws: IRError.capturedByNestedGraph(value: "b", graph: "else_graph")) {
            try graph.remove(try node(producing: "b", in: graph))
        }
        #expect(throws: IRError.nodeStillUsed(node: "Relu -> a", value: "a", user: "Add -> t")) {
            try graph.remove(try node(producing: "a", in: graph))
        }
        #expect(try print(model) == before)
        try verify(model)
    }

    @Test func replaceAllUsesRewiresCaptures() throws {
        let model = try parse(capturing)
        let graph = model.graph
        let c = try value("c", in: graph)
        try value("a", in: graph).replaceAllUses(with: c)
        try value("b", in: graph).replaceAllUses(with: c)
        let text = try print(model)
        #expect(text.contains("t = Add (c, x)"))
        #expect(text.contains("else_graph () => (c)"))
        #expect(c.uses.count == 2 && c.isNestedGraphOutput)
        try graph.remove(try node(producing: "a", in: graph))
        try graph.remove(try node(producing: "b", in: graph))
        try verify(model)
    }

    @Test func replaceAllUsesRefusesAValueTheReaderCannotSee() throws {
        let model = try parse(capturing)
        let graph = model.graph
        let before = try print(model)
        let inner = try value("t", in: graph)
        #expect(throws: IRError.notVisible(value: "t", reader: "output of graph 'else_graph'")) {
            try value("b", in: graph).replaceAllUses(with: inner)
        }
        let late = try value("z", in: graph)
        #expect(throws: IRError.replacingGraphOutput(value: "y")) {
            try value("y", in: graph).replaceAllUses(with: late)
        }
        #expect(try print(model) == before)
    }

    @Test func removingANodeReleasesWhatItsSubgraphsCaptured() throws {
        let model = try parse(capturing)
        let graph = model.graph
        let ifNode = try node(producing: "y", in: graph)
        let a = try value("a", in: graph)
        let b = try value("b", in: graph)
        try value("y", in: graph).replaceAllUses(with: try value("z", in: graph), includingGraphOutputs: true)
        try graph.remove(ifNode)
        #expect(!a.hasUses && !b.hasUses)
        try graph.append(ifNode)
        #expect(a.hasUses && b.hasUses)
    }

    @Test func aFailingRewriteLeavesTheGraphExactlyAsItWas() throws {
        let model = try parse(chain)
        let graph = model.graph
        let before = try print(model)
        let r = try value("r", in: graph)
        let n = try value("n", in: graph)
        let table = graph.uniqueName("r")
        var rewrite = GraphRewrite()
        let two = rewrite.addInitializer(Tensor.floats([2, 2], dims: [2]), name: "two")
        let sum = Node(opType: "Add", inputs: [r, two], outputNames: ["sum"])
        rewrite.insert(sum, after: try node(producing: "r", in: graph))
        rewrite.replaceAllUses(of: n, with: try #require(sum.outputs[0]))
        rewrite.rename(r, to: "relu")
        // The Relu still feeds the Mul, so removing it must fail: nothing above may happen.
        rewrite.remove(try node(producing: "r", in: graph))
        #expect(throws: IRError.nodeStillUsed(node: "Relu -> r", value: "r", user: "Mul -> n")) {
            try graph.apply(rewrite)
        }
        #expect(try print(model) == before)
        #expect(sum.graph == nil && two.graph == nil)
        #expect(r.name == "r" && graph.uniqueName("r") == table && graph.uniqueName("relu") == "relu")
        #expect(n.uses.count == 1)
        try verify(model)
    }

    @Test func aRewriteReplacesNodesInOneStep() throws {
        let model = try parse(chain)
        let graph = model.graph
        let x = try #require(graph.inputs.first)
        let w = try value("w", in: graph)
        let fused = Node(opType: "Mul", inputs: [x, w], outputNames: ["n_fused"])
        var rewrite = GraphRewrite()
        rewrite.insert(fused, before: try node(producing: "n", in: graph))
        rewrite.takeOver(try value("n", in: graph), by: try #require(fused.outputs[0]))
        rewrite.remove(try node(producing: "r", in: graph))
        rewrite.remove(try node(producing: "n", in: graph))
        try graph.apply(rewrite)
        let expected = """
            <
               ir_version: 8,
               opset_import: ["" : 17]
            >
            chain (float[2] x) => (float[2] z)
            <float[2] w = {1.0, 2.0}>
            {
               n = Mul (x, w)
               z = Exp (n)
            }
            """
        #expect(try print(model) == (try print(try parse(expected))))
        #expect(graph.uniqueName("n_fused") == "n_fused" && graph.uniqueName("n") == "n_1")
        try verify(model)
    }

    @Test func aGraphOutputCanMoveToANewReaderUnderItsOldName() throws {
        let model = try parse(chain)
        let graph = model.graph
        let z = try value("z", in: graph)
        let copy = Node(opType: "Identity", inputs: [z], outputNames: ["z_copy"])
        let copied = try #require(copy.outputs[0])
        copied.type = z.type
        var rewrite = GraphRewrite()
        rewrite.append(copy)
        rewrite.replaceAllUses(of: z, with: copied, graphOutputs: .rewire, except: [copy])
        rewrite.rename(z, to: "z_float")
        rewrite.rename(copied, to: "z")
        try graph.apply(rewrite)
        let expected = """
            <
               ir_version: 8,
               opset_import: ["" : 17]
            >
            chain (float[2] x) => (float[2] z)
            <float[2] w = {1.0, 2.0}>
            {
               r = Relu (x)
               n = Mul (r, w)
               z_float = Exp (n)
               z = Identity (z_float)
            }
            """
        #expect(try print(model) == (try print(try parse(expected))))
        try verify(model)
    }

    @Test func aRewriteOfANestedGraphSharesTheModelsNames() throws {
        let model = try parse(capturing)
        let graph = model.graph
        let thenBranch = try node(producing: "y", in: graph).subgraphs[0]
        let add = try node(producing: "t", in: graph)
        func replacement(named name: String) throws -> GraphRewrite {
            let product = Node(
                opType: "Mul", inputs: [try value("a", in: graph), graph.inputs[1]], outputNames: [name])
            var rewrite = GraphRewrite()
            rewrite.insert(product, before: add)
            rewrite.takeOver(try value("t", in: graph), by: try #require(product.outputs[0]))
            rewrite.remove(add)
            return rewrite
        }
        #expect(throws: IRError.nodeNotInGraph(node: "Add -> t")) { try graph.apply(try replacement(named: "p")) }
        // A rewrite of a nested graph sees the names of the whole model: c is taken in the main graph.
        var plain = GraphRewrite()
        plain.append(Node(opType: "Neg", inputs: [graph.inputs[1]], outputNames: ["c"]))
        #expect(throws: IRError.nameTaken(name: "c", graph: "then_graph")) { try thenBranch.apply(plain) }
        try thenBranch.apply(try replacement(named: "product"))
        #expect(try print(model).contains("t = Mul (a, x)"))
        #expect(graph.uniqueName("t") == "t_1" && graph.uniqueName("product") == "product")
        try verify(model)
    }

    @Test func takeOverCanKeepTheOldValueUnderANewName() throws {
        let model = try parse(chain)
        let graph = model.graph
        let z = try value("z", in: graph)
        let copy = Node(opType: "Identity", inputs: [nil], outputNames: ["z_copy"])
        var rewrite = GraphRewrite()
        rewrite.append(copy)
        rewrite.takeOver(z, by: try #require(copy.outputs[0]))
        #expect(throws: IRError.invalidRewrite("'z_copy' takes over 'z', which stays without a new name")) {
            try graph.apply(rewrite)
        }
        rewrite = GraphRewrite()
        rewrite.append(copy)
        rewrite.takeOver(z, by: try #require(copy.outputs[0]), renamingOld: "z_before")
        try graph.apply(rewrite)
        copy.setInput(0, z)
        #expect(graph.outputs.map(\.name) == ["z"] && graph.outputs[0] === copy.outputs[0])
        #expect(z.name == "z_before")
        try verify(model)
    }

    @Test func renamesKeepNamesUnique() throws {
        let model = try parse(capturing)
        let graph = model.graph
        let a = try value("a", in: graph)
        #expect(throws: IRError.nameTaken(name: "t", graph: "captures")) { try graph.rename(a, to: "t") }
        let impostor = Value(name: "y")
        #expect(throws: IRError.nameTaken(name: "y", graph: "captures")) {
            try graph.setOutputs([try value("y", in: graph), impostor])
        }
        try graph.rename(a, to: "activation")
        #expect(a.name == "activation")
        #expect(graph.uniqueName("a") == "a" && graph.uniqueName("activation") == "activation_1")
        #expect(try print(model).contains("t = Add (activation, x)"))
        var rewrite = GraphRewrite()
        rewrite.rename(a, to: "b")
        rewrite.rename(try value("b", in: graph), to: "a")
        try graph.apply(rewrite)
        #expect(a.name == "b")
        try verify(model)
    }

    @Test func uniqueNamesFollowEveryChange() throws {
        let model = try parse(capturing)
        let graph = model.graph
        let ifNode = try node(producing: "y", in: graph)
        let thenBranch = ifNode.subgraphs[0]
        #expect(graph.uniqueName("t") == "t_1")
        #expect(thenBranch.uniqueName("c") == "c_1")
        let sin = try node(producing: "z", in: graph)
        sin.name = "s"
        #expect(graph.uniqueName("s") == "s" && graph.uniqueName("s", avoidingNodeNames: true) == "s_1")
        let extra = Node(opType: "Cos", inputs: [graph.inputs[0]], outputNames: ["t_1"])
        try thenBranch.append(extra)
        #expect(graph.uniqueName("t") == "t_2")
        try thenBranch.remove(extra)
        #expect(graph.uniqueName("t") == "t_1")
        graph.addInitializer(Tensor.floats([1], dims: [1]), name: "k")
        #expect(graph.uniqueName("k") == "k_1")
    }
}

import OnnxIR

/// The work of one `eliminate-dead-code` run: removes dead nodes graph by graph and counts them.
struct DeadCodeSweep {
    let removesInitializers: Bool
    let protectedNames: Set<String>
    let remark: (String) -> Void
    private(set) var removedNodes = 0
    private(set) var removedInitializers = 0

    init(removesInitializers: Bool, protectedNames: Set<String>, remark: @escaping (String) -> Void) {
        self.removesInitializers = removesInitializers
        self.protectedNames = protectedNames
        self.remark = remark
    }

    /// Sweeps `graph` and its nested graphs until nothing more can go.
    ///
    /// Removing a node inside a subgraph can free a value of the graph around
    /// it, so the outer sweep repeats while the inner ones still remove nodes.
    mutating func sweep(_ graph: Graph) throws {
        var repeatSweep = true
        while repeatSweep {
            try removeDeadNodes(of: graph)
            let before = removedNodes
            for node in graph.nodes {
                for subgraph in node.subgraphs { try sweep(subgraph) }
            }
            repeatSweep = removedNodes != before
        }
        if removesInitializers { try removeUnreadInitializers(of: graph) }
    }

    /// One backward sweep: users come after producers, so a chain of dead nodes goes in one sweep.
    private mutating func removeDeadNodes(of graph: Graph) throws {
        let nestedOutputs = Self.outputsOfNestedGraphs(graph)
        for node in graph.nodes.reversed() where isDead(node, in: graph, nestedOutputs: nestedOutputs) {
            Self.detachNestedNodes(of: node)
            try graph.remove(node)
            removedNodes += 1
        }
    }

    private func isDead(_ node: Node, in graph: Graph, nestedOutputs: Set<ObjectIdentifier>) -> Bool {
        let outputs = node.outputs.compactMap { $0 }
        if outputs.isEmpty { return false }
        return outputs.allSatisfy { output in
            !graph.outputs.contains { $0 === output } && !nestedOutputs.contains(ObjectIdentifier(output))
                && !Self.hasLiveUse(output)
        }
    }

    private mutating func removeUnreadInitializers(of graph: Graph) throws {
        let nestedOutputs = Self.outputsOfNestedGraphs(graph)
        for value in graph.initializers + graph.sparseInitializers {
            let isKept =
                graph.inputs.contains { $0 === value } || graph.outputs.contains { $0 === value }
                || nestedOutputs.contains(ObjectIdentifier(value)) || protectedNames.contains(value.name)
                || Self.hasLiveUse(value)
            if isKept { continue }
            try graph.removeInitializer(value)
            removedInitializers += 1
        }
    }

    /// Tells about nodes kept only because they have no outputs, once per run.
    func reportNodesWithoutOutputs(in graph: Graph) {
        for node in graph.allNodes() where node.outputs.allSatisfy({ $0 == nil }) {
            remark("kept node '\(node.displayName)': it has no outputs, so it may exist for an effect")
        }
    }

    /// Whether any node still reads `value`; removed nodes (and the insides of removed subgraphs) no longer do.
    ///
    /// Counting every recorded use, as `Graph.remove` does, keeps the two in
    /// agreement: a node this pass calls dead can always be removed.
    private static func hasLiveUse(_ value: Value) -> Bool {
        value.hasUses
    }

    /// Values of `graph` (or around it) that a nested graph names as its output, which use lists do not record.
    private static func outputsOfNestedGraphs(_ graph: Graph) -> Set<ObjectIdentifier> {
        var result = Set<ObjectIdentifier>()
        for node in graph.allNodes() {
            for subgraph in node.subgraphs {
                for output in subgraph.outputs { result.insert(ObjectIdentifier(output)) }
            }
        }
        return result
    }

    /// Disconnects every node inside `node`'s subgraphs, so the values they captured lose those uses now.
    private static func detachNestedNodes(of node: Node) {
        for subgraph in node.subgraphs {
            for inner in subgraph.allNodes() { inner.setInputs([]) }
        }
    }
}

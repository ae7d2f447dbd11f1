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
        for node in graph.nodes.reversed() where isDead(node) {
            // Removal also stops the nodes of its subgraphs from reading the values around them.
            try graph.remove(node)
            removedNodes += 1
        }
    }

    private func isDead(_ node: Node) -> Bool {
        let outputs = node.outputs.compactMap { $0 }
        if outputs.isEmpty { return false }
        return outputs.allSatisfy { output in !output.isAnyGraphOutput && !output.hasUses }
    }

    private mutating func removeUnreadInitializers(of graph: Graph) throws {
        let inputs = Set(graph.inputs.map(ObjectIdentifier.init))
        var unread: [Value] = []
        var seen = Set<ObjectIdentifier>()
        for value in graph.initializers + graph.sparseInitializers where seen.insert(ObjectIdentifier(value)).inserted {
            let isKept =
                inputs.contains(ObjectIdentifier(value)) || value.isAnyGraphOutput
                || protectedNames.contains(value.name) || value.hasUses
            if !isKept { unread.append(value) }
        }
        // In one batch: removing them one by one rescans the graph's lists each time.
        try graph.removeInitializers(unread)
        removedInitializers += unread.count
    }

    /// Tells about nodes kept only because they have no outputs, once per run.
    func reportNodesWithoutOutputs(in graph: Graph) {
        for node in graph.allNodes() where node.outputs.allSatisfy({ $0 == nil }) {
            remark("kept node '\(node.displayName)': it has no outputs, so it may exist for an effect")
        }
    }
}

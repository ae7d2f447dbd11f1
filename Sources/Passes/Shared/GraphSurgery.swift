import OnnxIR

/// Rewiring steps the rewriting passes share, each keeping use lists, nested-graph outputs and names right.
///
/// Values a nested graph outputs from the graphs around it are needed even
/// though no use list shows it. Finding them walks every nested graph, so
/// callers that ask often pass the set once computed (`nestedOutputs`); a
/// rewrite that only removes nodes or redirects other values keeps it valid.
enum GraphSurgery {
    /// Values of `graph` (or of the graphs around it) that a graph nested in `graph` names as its output.
    static func outputsOfNestedGraphs(_ graph: Graph) -> Set<ObjectIdentifier> {
        var result = Set<ObjectIdentifier>()
        forEachNestedGraph(of: graph) { subgraph in
            for output in subgraph.outputs { result.insert(ObjectIdentifier(output)) }
        }
        return result
    }

    /// Calls `body` on every graph nested in `graph`, at any depth.
    static func forEachNestedGraph(of graph: Graph, _ body: (Graph) -> Void) {
        for node in graph.nodes {
            for attribute in node.attributes {
                switch attribute.value {
                case .graph(let subgraph):
                    body(subgraph)
                    forEachNestedGraph(of: subgraph, body)
                case .graphs(let subgraphs):
                    for subgraph in subgraphs {
                        body(subgraph)
                        forEachNestedGraph(of: subgraph, body)
                    }
                default:
                    continue
                }
            }
        }
    }

    /// Whether `value` is read by `node` alone and is neither an output of its graph nor of a nested graph.
    static func isUsedOnly(
        _ value: Value, by node: Node, in graph: Graph, nestedOutputs: Set<ObjectIdentifier>? = nil
    ) -> Bool {
        guard !value.uses.isEmpty, value.uses.allSatisfy({ $0.node === node }) else { return false }
        return !isNeededBesidesUses(value, in: graph, nestedOutputs: nestedOutputs)
    }

    /// Whether `value` is an output of `graph` or of a graph nested in it (needs that use lists do not show).
    static func isNeededBesidesUses(_ value: Value, in graph: Graph, nestedOutputs: Set<ObjectIdentifier>? = nil)
        -> Bool
    {
        if graph.outputs.contains(where: { $0 === value }) { return true }
        return (nestedOutputs ?? outputsOfNestedGraphs(graph)).contains(ObjectIdentifier(value))
    }

    /// Makes every reader of `old` (nodes and nested graphs' output lists) read `new`; graph outputs are left.
    static func redirectReaders(
        of old: Value, to new: Value, in graph: Graph, nestedOutputs: Set<ObjectIdentifier>? = nil
    ) throws {
        guard old !== new else { return }
        for use in old.uses { use.node.setInput(use.inputIndex, new) }
        if let nestedOutputs, !nestedOutputs.contains(ObjectIdentifier(old)) { return }
        forEachNestedGraph(of: graph) { subgraph in
            for index in subgraph.outputs.indices where subgraph.outputs[index] === old {
                subgraph.outputs[index] = new
            }
        }
    }

    /// Replaces `old` by `new` everywhere, removes `nodes` (which must then be unused) and gives `new` the old name.
    ///
    /// Keeping the old name keeps graph outputs (the model's interface) and the
    /// names later nodes read unchanged. `new` must be a node output of `graph`
    /// that is not itself a graph output; `old` may be one. The old value's
    /// declared type and documentation carry over, since a graph output's
    /// declaration belongs to the interface.
    static func takeOver(_ old: Value, by new: Value, removing nodes: [Node], in graph: Graph) throws {
        let wasAnnotated = graph.valueInfo.contains { $0 === old }
        for index in graph.outputs.indices where graph.outputs[index] === old { graph.outputs[index] = new }
        try redirectReaders(of: old, to: new, in: graph)
        for node in nodes.reversed() { try graph.remove(node) }
        new.name = old.name
        if let type = old.type { new.type = type }
        new.docString = old.docString ?? new.docString
        if !old.metadataProps.isEmpty { new.metadataProps = old.metadataProps }
        let isOutput = graph.outputs.contains { $0 === new }
        if isOutput {
            graph.valueInfo.removeAll { $0 === new }
        } else if wasAnnotated, !graph.valueInfo.contains(where: { $0 === new }) {
            graph.valueInfo.append(new)
        }
    }

    /// Removes a constant that nothing needs any more: an unread initializer or an unread `Constant` node.
    ///
    /// Graph inputs, graph outputs and values nested graphs output are kept.
    @discardableResult
    static func removeIfUnused(_ value: Value, in graph: Graph, nestedOutputs: Set<ObjectIdentifier>? = nil) throws
        -> Bool
    {
        guard !value.hasUses else { return false }
        let nested = nestedOutputs ?? outputsOfNestedGraphs(graph)
        guard !isNeededBesidesUses(value, in: graph, nestedOutputs: nested) else { return false }
        if value.initializer != nil, value.ownerGraph === graph, !graph.inputs.contains(where: { $0 === value }) {
            try graph.removeInitializer(value)
            return true
        }
        if let producer = value.producer, producer.graph === graph, producer.opType == "Constant",
            producer.outputs.compactMap({ $0 }).allSatisfy({
                !$0.hasUses && !isNeededBesidesUses($0, in: graph, nestedOutputs: nested)
            })
        {
            try graph.remove(producer)
            return true
        }
        return false
    }
}

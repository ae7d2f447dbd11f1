import OnnxIR

/// Hands out value and node names not yet used anywhere in a graph (nested graphs included).
struct NameAllocator {
    private var taken: Set<String> = []

    /// Collects every name already used in `graph` and the graphs nested in it.
    init(graph: Graph) {
        collect(graph)
    }

    /// `base`, or `base_1`, `base_2`... whichever is free; the name is then taken.
    mutating func fresh(_ base: String) -> String {
        var candidate = base
        var counter = 1
        while taken.contains(candidate) {
            candidate = "\(base)_\(counter)"
            counter += 1
        }
        taken.insert(candidate)
        return candidate
    }

    private mutating func collect(_ graph: Graph) {
        for value in graph.definedValues() { taken.insert(value.name) }
        for node in graph.nodes {
            if let name = node.name { taken.insert(name) }
            for subgraph in node.subgraphs { collect(subgraph) }
        }
    }
}

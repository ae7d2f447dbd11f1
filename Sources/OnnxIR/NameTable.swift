/// How often each value name and node name occurs in one tree of graphs (a graph and those nested in it).
///
/// The root graph of a tree caches one, built on the first request for a
/// fresh name and kept current by every mutation of the tree, so asking for a
/// name costs a dictionary lookup instead of a walk over the whole model.
/// Counts rather than sets, because a name may be defined twice for a moment
/// (a replacement inserted before the node it replaces goes) and must stay
/// taken until both are gone.
struct NameTable {
    private var valueNames: [String: Int] = [:]
    private var nodeNames: [String: Int] = [:]

    /// Counts every name defined in `graph` and the graphs nested in it.
    init(graph: Graph) { add(graph: graph) }

    /// Whether a value (or, with `includingNodeNames`, a node) is called `name`.
    func isTaken(_ name: String, includingNodeNames: Bool = false) -> Bool {
        valueNames[name, default: 0] > 0 || (includingNodeNames && nodeNames[name, default: 0] > 0)
    }

    /// How many values are called `name`.
    func valueCount(_ name: String) -> Int { valueNames[name, default: 0] }

    /// `base`, or `base_1`, `base_2`... whichever is free first.
    func fresh(_ base: String, includingNodeNames: Bool) -> String {
        var candidate = base
        var counter = 1
        while isTaken(candidate, includingNodeNames: includingNodeNames) {
            candidate = "\(base)_\(counter)"
            counter += 1
        }
        return candidate
    }

    mutating func addValue(_ name: String) { valueNames[name, default: 0] += 1 }

    mutating func removeValue(_ name: String) {
        guard let count = valueNames[name] else { return }
        valueNames[name] = count > 1 ? count - 1 : nil
    }

    mutating func addNodeName(_ name: String?) {
        if let name { nodeNames[name, default: 0] += 1 }
    }

    mutating func removeNodeName(_ name: String?) {
        guard let name, let count = nodeNames[name] else { return }
        nodeNames[name] = count > 1 ? count - 1 : nil
    }

    /// Counts the names `node` brings: its own, its outputs', and everything in its subgraphs.
    mutating func add(node: Node) {
        addNodeName(node.name)
        for output in node.outputs.compactMap({ $0 }) { addValue(output.name) }
        for subgraph in node.subgraphs { add(graph: subgraph) }
    }

    /// Forgets the names `add(node:)` counted.
    mutating func remove(node: Node) {
        removeNodeName(node.name)
        for output in node.outputs.compactMap({ $0 }) { removeValue(output.name) }
        for subgraph in node.subgraphs { remove(graph: subgraph) }
    }

    private mutating func add(graph: Graph) {
        for value in Self.leafValues(of: graph) { addValue(value.name) }
        for node in graph.nodes { add(node: node) }
    }

    private mutating func remove(graph: Graph) {
        for value in Self.leafValues(of: graph) { removeValue(value.name) }
        for node in graph.nodes { remove(node: node) }
    }

    /// Inputs and initializers, each once: a value both an input and an initializer (old models) is one name.
    private static func leafValues(of graph: Graph) -> [Value] {
        var seen = Set<ObjectIdentifier>()
        return (graph.inputs + graph.initializers + graph.sparseInitializers).filter {
            seen.insert(ObjectIdentifier($0)).inserted
        }
    }
}

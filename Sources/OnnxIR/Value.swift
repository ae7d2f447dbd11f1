/// A named value in a graph: a graph input, an initializer, or a node's output.
///
/// Values know the node that produces them and every node that uses them; the
/// graph's mutation API keeps both right. Uses include captures: nodes of nested
/// graphs that read the value, and nested graphs that name it as their output.
public final class Value {
    /// The name, unique in its graph and the graphs around and inside it; `Graph.rename` changes it.
    public internal(set) var name: String
    /// The type, if known.
    public var type: ValueType?
    /// Documentation from the value's `ValueInfoProto`.
    public var docString: String?
    /// Metadata from the value's `ValueInfoProto`.
    public var metadataProps: [KeyValue] = []
    /// The constant data if this value is an initializer.
    public var initializer: Tensor?
    /// The sparse constant data if this value is a sparse initializer.
    public var sparseInitializer: SparseTensor?

    /// The node whose output this is; nil for graph inputs and initializers.
    public internal(set) weak var producer: Node?
    /// Which output of `producer` this is.
    public internal(set) var outputIndex: Int = 0
    /// The graph this value belongs to when it is an input or initializer.
    public internal(set) weak var ownerGraph: Graph?

    var weakUses: [WeakNodeUse] = []
    /// One entry per output slot holding this value; `Graph.outputs` keeps it right.
    var weakOutputGraphs: [WeakGraph] = []

    /// Creates a value that belongs to no graph yet.
    public init(name: String, type: ValueType? = nil) {
        self.name = name
        self.type = type
    }

    /// The nodes (and input slots) that consume this value, in the order they were connected.
    ///
    /// Nodes of nested graphs that read this value (captures) are among them.
    public var uses: [Use] {
        weakUses.compactMap { use in use.node.map { Use(node: $0, inputIndex: use.inputIndex) } }
    }

    /// The graph output slots holding this value: its own graph's and nested graphs' (captures).
    public var outputUses: [GraphOutputUse] {
        var result: [GraphOutputUse] = []
        var seen = Set<ObjectIdentifier>()
        for entry in weakOutputGraphs {
            guard let graph = entry.graph, seen.insert(ObjectIdentifier(graph)).inserted else { continue }
            for index in graph.outputs.indices where graph.outputs[index] === self {
                result.append(GraphOutputUse(graph: graph, index: index))
            }
        }
        return result
    }

    /// Whether a node reads this value or a nested graph names it as its output.
    ///
    /// Being an output of its own graph is not a use here (see `isGraphOutput`):
    /// passes treat the model's interface separately.
    public var hasUses: Bool { weakUses.contains { $0.node != nil } || isNestedGraphOutput }

    /// Whether any graph, its own or a nested one, names this value as its output: needs use lists alone miss.
    public var isAnyGraphOutput: Bool { weakOutputGraphs.contains { $0.graph != nil } }

    /// Whether a graph nested in this value's graph names it as its output.
    public var isNestedGraphOutput: Bool {
        let own = graph
        return weakOutputGraphs.contains { $0.graph != nil && $0.graph !== own }
    }

    /// The graph that defines this value (the producer's graph, or the owner for inputs and initializers).
    public var graph: Graph? { producer?.graph ?? ownerGraph }

    /// Whether this value has constant data (dense or sparse).
    public var isConstant: Bool { initializer != nil || sparseInitializer != nil }

    /// The element type, if this is a tensor of known element type.
    public var elementType: DataType? { type?.tensorElementType ?? initializer?.dataType }

    /// The shape, if this is a tensor of known rank.
    public var shape: Shape? { type?.tensorShape ?? initializer.map { Shape(static: $0.dims) } }

    /// Whether this value is an output of the graph that defines it.
    public var isGraphOutput: Bool {
        guard let own = graph else { return false }
        return weakOutputGraphs.contains { $0.graph === own }
    }

    func addUse(_ node: Node, _ index: Int) {
        weakUses.append(WeakNodeUse(node: node, inputIndex: index))
    }

    func removeUse(_ node: Node, _ index: Int) {
        if let position = weakUses.firstIndex(where: { $0.node === node && $0.inputIndex == index }) {
            weakUses.remove(at: position)
        }
        weakUses.removeAll { $0.node == nil }
    }

    func addOutputSlot(_ graph: Graph) { weakOutputGraphs.append(WeakGraph(graph: graph)) }

    func removeOutputSlot(_ graph: Graph) {
        if let position = weakOutputGraphs.firstIndex(where: { $0.graph === graph }) {
            weakOutputGraphs.remove(at: position)
        }
        weakOutputGraphs.removeAll { $0.graph == nil }
    }

    /// Makes every reader use `replacement` instead: node inputs here and in nested graphs, and nested graphs'
    /// output slots.
    ///
    /// Refuses to rewire a graph output silently: pass `includingGraphOutputs`
    /// to also replace this value in its graph's output list. Refuses, naming
    /// the reader, when `replacement` is not visible where a reader is (defined
    /// in no graph, or in a graph that does not enclose the reader). Checks
    /// everything before changing anything.
    public func replaceAllUses(with replacement: Value, includingGraphOutputs: Bool = false) throws {
        guard replacement !== self else { return }
        guard let graph else { throw IRError.valueNotInGraph(value: name) }
        var rewrite = GraphRewrite()
        rewrite.replaceAllUses(of: self, with: replacement, graphOutputs: includingGraphOutputs ? .rewire : .refuse)
        try graph.apply(rewrite)
    }
}

/// A named value in a graph: a graph input, an initializer, or a node's output.
///
/// Values know the node that produces them and every node that uses them; the
/// graph's mutation API keeps both right.
public final class Value {
    /// The name, unique in its graph.
    public var name: String
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

    /// Creates a value that belongs to no graph yet.
    public init(name: String, type: ValueType? = nil) {
        self.name = name
        self.type = type
    }

    /// The nodes (and input slots) that consume this value, in the order they were connected.
    public var uses: [Use] {
        weakUses.compactMap { use in use.node.map { Use(node: $0, inputIndex: use.inputIndex) } }
    }

    /// Whether any node consumes this value.
    public var hasUses: Bool { weakUses.contains { $0.node != nil } }

    /// The graph that defines this value (the producer's graph, or the owner for inputs and initializers).
    public var graph: Graph? { producer?.graph ?? ownerGraph }

    /// Whether this value has constant data (dense or sparse).
    public var isConstant: Bool { initializer != nil || sparseInitializer != nil }

    /// The element type, if this is a tensor of known element type.
    public var elementType: DataType? { type?.tensorElementType ?? initializer?.dataType }

    /// The shape, if this is a tensor of known rank.
    public var shape: Shape? { type?.tensorShape ?? initializer.map { Shape(static: $0.dims) } }

    /// Whether this value is an output of the graph that defines it.
    public var isGraphOutput: Bool { graph?.outputs.contains { $0 === self } ?? false }

    func addUse(_ node: Node, _ index: Int) {
        weakUses.append(WeakNodeUse(node: node, inputIndex: index))
    }

    func removeUse(_ node: Node, _ index: Int) {
        if let position = weakUses.firstIndex(where: { $0.node === node && $0.inputIndex == index }) {
            weakUses.remove(at: position)
        }
        weakUses.removeAll { $0.node == nil }
    }

    /// Makes every consumer use `replacement` instead.
    ///
    /// Refuses to rewire a graph output silently: pass `includingGraphOutputs`
    /// to also replace this value in its graph's output list.
    public func replaceAllUses(with replacement: Value, includingGraphOutputs: Bool = false) throws {
        guard replacement !== self else { return }
        if isGraphOutput {
            guard includingGraphOutputs, let graph else { throw IRError.replacingGraphOutput(value: name) }
            for index in graph.outputs.indices where graph.outputs[index] === self {
                graph.outputs[index] = replacement
            }
        }
        for use in uses {
            use.node.setInput(use.inputIndex, replacement)
        }
    }
}

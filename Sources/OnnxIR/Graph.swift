/// A dataflow graph: inputs, initializers, nodes in topological order, outputs.
///
/// Nested graphs (If branches, Loop and Scan bodies) may use values of the graphs
/// around them, as ONNX allows; those uses appear in the outer values' use lists.
public final class Graph {
    /// The graph's name.
    public var name: String?
    /// Documentation.
    public var docString: String?
    /// Graph inputs in order. A value may be both an input and an initializer (old models).
    public var inputs: [Value] {
        didSet { for value in inputs { value.ownerGraph = self } }
    }
    /// Graph outputs in order.
    public var outputs: [Value]
    /// Values with dense constant data, in file order.
    public private(set) var initializers: [Value] = []
    /// Values with sparse constant data, in file order.
    public private(set) var sparseInitializers: [Value] = []
    /// Values that carry a `value_info` annotation, in file order.
    public var valueInfo: [Value] = []
    /// Legacy `quantization_annotation` entries.
    public var quantizationAnnotations: [TensorAnnotation] = []
    /// Metadata entries.
    public var metadataProps: [KeyValue] = []
    /// The node whose attribute holds this graph; nil for a top-level graph.
    public internal(set) weak var parentNode: Node?

    /// The nodes in order.
    public private(set) var nodes: [Node] = []

    /// Creates an empty graph.
    public init(name: String? = nil, inputs: [Value] = [], outputs: [Value] = []) {
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        for value in inputs { value.ownerGraph = self }
    }

    /// A name for messages.
    public var displayName: String { name ?? "<unnamed>" }

    /// The graph around this one, if it is nested.
    public var parentGraph: Graph? { parentNode?.graph }

    // MARK: - Initializers

    /// Adds `tensor` as an initializer defining a new value named `name` (or the tensor's name).
    @discardableResult
    public func addInitializer(_ tensor: Tensor, name: String? = nil) -> Value {
        let value = Value(name: name ?? tensor.name ?? "")
        value.initializer = tensor
        value.type = .tensor(tensor.dataType, Shape(static: tensor.dims))
        value.ownerGraph = self
        initializers.append(value)
        return value
    }

    /// Registers an existing value (for example a graph input) as an initializer.
    public func registerInitializer(_ value: Value) {
        value.ownerGraph = self
        initializers.append(value)
    }

    /// Registers an existing value as a sparse initializer.
    public func registerSparseInitializer(_ value: Value) {
        value.ownerGraph = self
        sparseInitializers.append(value)
    }

    /// Removes an initializer that nothing uses any more.
    public func removeInitializer(_ value: Value) throws {
        if let user = value.uses.first {
            throw IRError.nodeStillUsed(node: "initializer", value: value.name, user: user.node.displayName)
        }
        if outputs.contains(where: { $0 === value }) {
            throw IRError.nodeDefinesGraphOutput(node: "initializer", value: value.name)
        }
        initializers.removeAll { $0 === value }
        sparseInitializers.removeAll { $0 === value }
        valueInfo.removeAll { $0 === value }
        value.initializer = nil
        value.sparseInitializer = nil
    }

    // MARK: - Nodes

    /// Appends a node at the end.
    public func append(_ node: Node) throws {
        try adopt(node)
        nodes.append(node)
    }

    /// Inserts a node just before `anchor`.
    public func insert(_ node: Node, before anchor: Node) throws {
        guard let index = index(of: anchor) else { throw IRError.nodeNotInGraph(node: anchor.displayName) }
        try adopt(node)
        nodes.insert(node, at: index)
    }

    /// Inserts a node just after `anchor`.
    public func insert(_ node: Node, after anchor: Node) throws {
        guard let index = index(of: anchor) else { throw IRError.nodeNotInGraph(node: anchor.displayName) }
        try adopt(node)
        nodes.insert(node, at: index + 1)
    }

    /// Removes a node whose outputs nobody uses; a failed removal leaves the graph unchanged.
    public func remove(_ node: Node) throws {
        guard let index = index(of: node) else { throw IRError.nodeNotInGraph(node: node.displayName) }
        for output in node.outputs.compactMap({ $0 }) {
            if outputs.contains(where: { $0 === output }) {
                throw IRError.nodeDefinesGraphOutput(node: node.displayName, value: output.name)
            }
            if let user = output.uses.first(where: { $0.node !== node }) {
                throw IRError.nodeStillUsed(node: node.displayName, value: output.name, user: user.node.displayName)
            }
        }
        nodes.remove(at: index)
        node.dropInputs()
        node.graph = nil
        let removed = Set(node.outputs.compactMap { $0.map(ObjectIdentifier.init) })
        if !removed.isEmpty { valueInfo.removeAll { removed.contains(ObjectIdentifier($0)) } }
    }

    /// Reorders the nodes; `newOrder` must hold exactly the graph's nodes.
    public func reorder(_ newOrder: [Node]) throws {
        guard newOrder.count == nodes.count,
            Set(newOrder.map(ObjectIdentifier.init)) == Set(nodes.map(ObjectIdentifier.init))
        else { throw IRError.invalidModel("reorder: the new order does not hold exactly the graph's nodes") }
        nodes = newOrder
    }

    /// The position of `node`, if it is in this graph.
    public func index(of node: Node) -> Int? { nodes.firstIndex { $0 === node } }

    private func adopt(_ node: Node) throws {
        if node.graph != nil { throw IRError.nodeAlreadyInGraph(node: node.displayName) }
        node.graph = self
    }

    // MARK: - Queries

    /// Every node of this graph and of the graphs nested in it, depth first.
    public func allNodes() -> [Node] {
        var result: [Node] = []
        for node in nodes {
            result.append(node)
            for graph in node.subgraphs { result.append(contentsOf: graph.allNodes()) }
        }
        return result
    }

    /// The values this graph defines: inputs, initializers, then node outputs.
    public func definedValues() -> [Value] {
        var seen = Set<ObjectIdentifier>()
        var result: [Value] = []
        let candidates = inputs + initializers + sparseInitializers + nodes.flatMap { $0.outputs.compactMap { $0 } }
        for value in candidates where seen.insert(ObjectIdentifier(value)).inserted {
            result.append(value)
        }
        return result
    }

    /// The value named `name` defined in this graph, if any.
    public func value(named name: String) -> Value? { definedValues().first { $0.name == name } }

    /// The node called `name`, if any.
    public func node(named name: String) -> Node? { nodes.first { $0.name == name } }

    /// A name not used by any value in this graph or the graphs around and inside it, based on `base`.
    public func uniqueName(_ base: String) -> String {
        var root: Graph = self
        while let parent = root.parentGraph { root = parent }
        var taken = Set<String>()
        root.collectNames(into: &taken)
        if !taken.contains(base) { return base }
        var counter = 1
        while taken.contains("\(base)_\(counter)") { counter += 1 }
        return "\(base)_\(counter)"
    }

    private func collectNames(into names: inout Set<String>) {
        for value in definedValues() { names.insert(value.name) }
        for node in nodes {
            for graph in node.subgraphs { graph.collectNames(into: &names) }
        }
    }
}

/// A dataflow graph: inputs, initializers, nodes in topological order, outputs.
///
/// Nested graphs (If branches, Loop and Scan bodies) may use values of the graphs
/// around them, as ONNX allows; those captures are uses of the outer values
/// (node inputs in `Value.uses`, output slots in `Value.outputUses`). Names
/// stay unique across a graph and the graphs around and inside it: values are
/// renamed with `rename(_:to:)`, fresh names come from `uniqueName(_:)`, and a
/// rewrite touching several nodes and values goes through `apply(_:)`.
public final class Graph {
    /// The graph's name.
    public var name: String?
    /// Documentation.
    public var docString: String?
    /// Graph inputs in order. A value may be both an input and an initializer (old models).
    public var inputs: [Value] {
        didSet {
            for value in inputs { value.ownerGraph = self }
            root.nameTable = nil
        }
    }
    /// Graph outputs in order; `setOutputs(_:)` and `apply(_:)` change them.
    public internal(set) var outputs: [Value] {
        didSet {
            for value in oldValue { value.removeOutputSlot(self) }
            for value in outputs { value.addOutputSlot(self) }
        }
    }
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

    /// Where the bytes of initializers added to this tree of graphs go (nil: they stay in memory); read on the
    /// root only, so set it there. Initializers the graph has when it is set are left alone.
    public var tensorSpill: TensorSpill?

    /// The names of this tree of graphs, cached on its root only (nil until asked for, or after a change too
    /// large to follow).
    var nameTable: NameTable?

    /// Creates an empty graph.
    public init(name: String? = nil, inputs: [Value] = [], outputs: [Value] = []) {
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        for value in inputs { value.ownerGraph = self }
        for value in outputs { value.addOutputSlot(self) }
    }

    /// A name for messages.
    public var displayName: String { name ?? "<unnamed>" }

    /// The graph around this one, if it is nested.
    public var parentGraph: Graph? { parentNode?.graph }

    /// The outermost graph around this one (itself if it is not nested).
    var root: Graph {
        var result = self
        while let parent = result.parentGraph { result = parent }
        return result
    }

    /// Whether this graph is `other` or nested in it, at any depth.
    func isWithin(_ other: Graph) -> Bool {
        var current: Graph? = self
        while let graph = current {
            if graph === other { return true }
            current = graph.parentGraph
        }
        return false
    }

    /// Whether this graph is nested in `node` (held by it or by a node nested in it).
    func isWithin(_ node: Node) -> Bool {
        var current: Graph? = self
        while let graph = current {
            if graph.parentNode === node { return true }
            current = graph.parentGraph
        }
        return false
    }

    /// Sets the outputs; refuses two different values with one name, which would make the interface ambiguous.
    public func setOutputs(_ values: [Value]) throws {
        var names: [String: Value] = [:]
        for value in values {
            if let other = names.updateValue(value, forKey: value.name), other !== value {
                throw IRError.nameTaken(name: value.name, graph: displayName)
            }
        }
        outputs = values
    }

    // MARK: - Initializers

    /// Adds `tensor` as an initializer defining a new value named `name` (or the tensor's name).
    @discardableResult
    public func addInitializer(_ tensor: Tensor, name: String? = nil) -> Value {
        let value = Value(name: name ?? tensor.name ?? "")
        value.initializer = root.tensorSpill?.spill(tensor) ?? tensor
        value.type = .tensor(tensor.dataType, Shape(static: tensor.dims))
        value.ownerGraph = self
        initializers.append(value)
        root.nameTable?.addValue(value.name)
        return value
    }

    /// Registers an existing value (for example a graph input) as an initializer.
    public func registerInitializer(_ value: Value) {
        // Only a cached table needs the (linear) check; a value already an input keeps its one count.
        let counts = root.nameTable != nil && !definesAsLeaf(value)
        value.ownerGraph = self
        initializers.append(value)
        if let spill = root.tensorSpill, let tensor = value.initializer { value.initializer = spill.spill(tensor) }
        if counts { root.nameTable?.addValue(value.name) }
    }

    /// Registers an existing value as a sparse initializer.
    public func registerSparseInitializer(_ value: Value) {
        // Only a cached table needs the (linear) check; a value already an input keeps its one count.
        let counts = root.nameTable != nil && !definesAsLeaf(value)
        value.ownerGraph = self
        sparseInitializers.append(value)
        if counts { root.nameTable?.addValue(value.name) }
    }

    /// Removes an initializer that nothing uses any more (no node, nested graph or graph output).
    public func removeInitializer(_ value: Value) throws {
        try checkUnused(value, removing: [], what: "initializer")
        removeInitializerUnchecked(value)
    }

    /// Removes initializers that nothing uses any more, all or none: a failure leaves the graph unchanged.
    ///
    /// One pass over the graph's lists for the whole batch; removing them one at a time scans the
    /// lists once per initializer, which made dropping n unused initializers take n² steps.
    public func removeInitializers(_ values: [Value]) throws {
        var removed = Set<ObjectIdentifier>()
        for value in values {
            guard value.ownerGraph === self, value.isConstant, removed.insert(ObjectIdentifier(value)).inserted else {
                throw IRError.valueNotInGraph(value: value.name)
            }
            try checkUnused(value, removing: [], what: "initializer")
        }
        guard !removed.isEmpty else { return }
        let inputSet = Set(inputs.map(ObjectIdentifier.init))
        initializers.removeAll { removed.contains(ObjectIdentifier($0)) }
        sparseInitializers.removeAll { removed.contains(ObjectIdentifier($0)) }
        valueInfo.removeAll { removed.contains(ObjectIdentifier($0)) }
        for value in values {
            value.initializer = nil
            value.sparseInitializer = nil
            if !inputSet.contains(ObjectIdentifier(value)) { root.nameTable?.removeValue(value.name) }
        }
    }

    func removeInitializerUnchecked(_ value: Value) {
        initializers.removeAll { $0 === value }
        sparseInitializers.removeAll { $0 === value }
        valueInfo.removeAll { $0 === value }
        value.initializer = nil
        value.sparseInitializer = nil
        if !inputs.contains(where: { $0 === value }) { root.nameTable?.removeValue(value.name) }
    }

    /// Whether `value` is an input or initializer of this graph.
    func definesAsLeaf(_ value: Value) -> Bool {
        guard value.ownerGraph === self else { return false }
        return inputs.contains { $0 === value } || initializers.contains { $0 === value }
            || sparseInitializers.contains { $0 === value }
    }

    /// Throws unless `value` is unread once `removing` are gone: no node outside them reads it, no graph
    /// outside them outputs it.
    func checkUnused(_ value: Value, removing: [Node], what: String) throws {
        let owner = removing.first?.displayName ?? what
        if let user = value.uses.first(where: { use in !removing.contains { use.node.isWithin($0) } }) {
            throw IRError.nodeStillUsed(node: owner, value: value.name, user: user.node.displayName)
        }
        for slot in value.outputUses where !removing.contains(where: { slot.graph.isWithin($0) }) {
            if slot.graph === self {
                throw IRError.nodeDefinesGraphOutput(node: owner, value: value.name)
            }
            throw IRError.capturedByNestedGraph(value: value.name, graph: slot.graph.displayName)
        }
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

    /// Removes a node whose outputs nobody uses (no node, graph output or nested graph outside the node itself).
    ///
    /// The node and the nodes of its subgraphs stop being uses of the values
    /// they read; inserting the node again reconnects them. A failed removal
    /// leaves the graph unchanged.
    public func remove(_ node: Node) throws {
        guard index(of: node) != nil else { throw IRError.nodeNotInGraph(node: node.displayName) }
        for output in node.outputs.compactMap({ $0 }) {
            try checkUnused(output, removing: [node], what: "node")
        }
        removeUnchecked(node)
    }

    func removeUnchecked(_ node: Node) {
        guard let index = index(of: node) else { return }
        nodes.remove(at: index)
        node.disconnectUses()
        root.nameTable?.remove(node: node)
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
        adoptUnchecked(node)
    }

    /// Takes in a node that is in no graph: its subgraphs stop being roots, its names count here.
    func adoptUnchecked(_ node: Node) {
        node.graph = self
        node.reconnectUses()
        for subgraph in node.subgraphs { subgraph.nameTable = nil }
        root.nameTable?.add(node: node)
    }

    func insertUnchecked(_ node: Node, at index: Int) {
        adoptUnchecked(node)
        nodes.insert(node, at: index)
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

    // MARK: - Names

    /// A name not used by any value in this graph or the graphs around and inside it, based on `base`.
    ///
    /// `base` if free, else `base_1`, `base_2`... The name is not reserved:
    /// define the value (or name the node) before asking for the next one.
    /// With `avoidingNodeNames`, node names count as taken too, so one name
    /// points at one thing in dumps and messages.
    public func uniqueName(_ base: String, avoidingNodeNames: Bool = false) -> String {
        names.fresh(base, includingNodeNames: avoidingNodeNames)
    }

    /// Renames `value`, a value this graph defines; refuses a name another value already has.
    public func rename(_ value: Value, to newName: String) throws {
        guard value.graph === self else { throw IRError.valueNotInGraph(value: value.name) }
        guard newName != value.name else { return }
        if names.isTaken(newName) { throw IRError.nameTaken(name: newName, graph: displayName) }
        renameUnchecked(value, to: newName)
    }

    func renameUnchecked(_ value: Value, to newName: String) {
        root.nameTable?.removeValue(value.name)
        value.name = newName
        root.nameTable?.addValue(newName)
    }

    /// The root's name table, built on first use.
    var names: NameTable {
        let root = self.root
        if let table = root.nameTable { return table }
        let table = NameTable(graph: root)
        root.nameTable = table
        return table
    }
}

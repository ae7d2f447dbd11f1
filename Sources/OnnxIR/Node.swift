/// One operator application: an op type in a domain, its inputs, outputs and attributes.
public final class Node {
    /// The operator.
    public var opType: String
    /// The domain as written; nil when the file left it out.
    public var domainField: String?
    /// The node's name, if it has one.
    public var name: String? {
        didSet {
            guard let graph, oldValue != name else { return }
            let root = graph.root
            root.nameTable?.removeNodeName(oldValue)
            root.nameTable?.addNodeName(name)
        }
    }
    /// Which overload of a model-local function this node calls.
    public var overload: String?
    /// Documentation.
    public var docString: String?
    /// Attributes in file order.
    public var attributes: [Attribute] {
        didSet { subgraphsChanged(from: oldValue.flatMap(\.subgraphs)) }
    }
    /// Metadata entries.
    public var metadataProps: [KeyValue] = []
    /// `device_configurations`, kept as encoded messages (qdqc passes them through).
    public var deviceConfigurations: [EncodedMessage] = []

    /// The inputs; nil marks an omitted optional input.
    public private(set) var inputs: [Value?]
    /// The outputs; nil marks an omitted optional output.
    public private(set) var outputs: [Value?]
    /// The graph that holds this node.
    public internal(set) weak var graph: Graph?
    /// Whether `Graph.remove` disconnected this node's uses (and its subgraphs'), to reconnect on insertion.
    var usesDisconnected = false

    /// The domain, with "" for the default ONNX domain.
    public var domain: String {
        get { domainField ?? "" }
        set { domainField = newValue }
    }

    /// Creates a node with fresh output values named `outputNames` ("" for an omitted output).
    public init(
        opType: String, domain: String? = nil, name: String? = nil, inputs: [Value?], outputNames: [String],
        attributes: [Attribute] = []
    ) {
        self.opType = opType
        self.domainField = domain
        self.name = name
        self.inputs = []
        self.outputs = []
        self.attributes = attributes
        for (index, input) in inputs.enumerated() {
            self.inputs.append(input)
            input?.addUse(self, index)
        }
        for (index, outputName) in outputNames.enumerated() {
            if outputName.isEmpty {
                outputs.append(nil)
            } else {
                let value = Value(name: outputName)
                value.producer = self
                value.outputIndex = index
                outputs.append(value)
            }
        }
        adoptSubgraphs()
    }

    /// A name for messages: the node's name, else its op type and first output.
    public var displayName: String {
        if let name, !name.isEmpty { return name }
        let output = outputs.compactMap { $0?.name }.first ?? "?"
        return "\(opType) -> \(output)"
    }

    /// The attribute called `name`, if present.
    public func attribute(_ name: String) -> Attribute? { attributes.first { $0.name == name } }

    /// Sets (adding or replacing) an attribute.
    public func setAttribute(_ attribute: Attribute) {
        if let index = attributes.firstIndex(where: { $0.name == attribute.name }) {
            attributes[index] = attribute
        } else {
            attributes.append(attribute)
        }
    }

    /// Removes the attribute called `name`.
    public func removeAttribute(_ name: String) { attributes.removeAll { $0.name == name } }

    /// Connects input slot `index` to `value` (nil to omit it), keeping use lists right.
    public func setInput(_ index: Int, _ value: Value?) {
        precondition(index >= 0 && index < inputs.count, "input index \(index) out of range")
        if !usesDisconnected { inputs[index]?.removeUse(self, index) }
        inputs[index] = value
        if !usesDisconnected { value?.addUse(self, index) }
    }

    /// Replaces all inputs, keeping use lists right.
    public func setInputs(_ values: [Value?]) {
        if !usesDisconnected {
            for (index, old) in inputs.enumerated() { old?.removeUse(self, index) }
        }
        inputs = values
        if !usesDisconnected {
            for (index, value) in values.enumerated() { value?.addUse(self, index) }
        }
    }

    /// Appends an input.
    public func appendInput(_ value: Value?) {
        inputs.append(value)
        if !usesDisconnected { value?.addUse(self, inputs.count - 1) }
    }

    /// Adds a new output value named `name` at the end and returns it.
    @discardableResult
    public func appendOutput(named name: String) -> Value {
        let value = Value(name: name)
        value.producer = self
        value.outputIndex = outputs.count
        outputs.append(value)
        if let graph { graph.root.nameTable?.addValue(name) }
        return value
    }

    /// The subgraphs held in attributes.
    public var subgraphs: [Graph] { attributes.flatMap(\.subgraphs) }

    /// Whether this node is `other` or a node of a graph nested in `other`, at any depth.
    func isWithin(_ other: Node) -> Bool {
        if self === other { return true }
        return graph?.isWithin(other) ?? false
    }

    /// The subgraphs this node holds and owns (a graph moved to another node belongs to that node now).
    private var ownedSubgraphs: [Graph] { subgraphs.filter { $0.parentNode === self } }

    /// Makes this node, and every node and output list of its subgraphs, stop counting as uses.
    ///
    /// A removed node's subgraphs captured values of the graphs around;
    /// once the node is gone those values must look unread.
    func disconnectUses() {
        guard !usesDisconnected else { return }
        usesDisconnected = true
        for (index, old) in inputs.enumerated() { old?.removeUse(self, index) }
        for subgraph in ownedSubgraphs {
            for value in subgraph.outputs { value.removeOutputSlot(subgraph) }
            for node in subgraph.nodes { node.disconnectUses() }
        }
    }

    /// Undoes `disconnectUses()` when the node is inserted again.
    func reconnectUses() {
        guard usesDisconnected else { return }
        usesDisconnected = false
        for (index, value) in inputs.enumerated() { value?.addUse(self, index) }
        for subgraph in ownedSubgraphs {
            for value in subgraph.outputs { value.addOutputSlot(subgraph) }
            for node in subgraph.nodes { node.reconnectUses() }
        }
    }

    private func adoptSubgraphs() {
        for graph in subgraphs { graph.parentNode = self }
    }

    /// Keeps parents and the cached names right when attributes gain or lose subgraphs.
    private func subgraphsChanged(from old: [Graph]) {
        let new = subgraphs
        guard old.count != new.count || zip(old, new).contains(where: { $0 !== $1 }) else { return }
        for graph in old where graph.parentNode === self && !new.contains(where: { $0 === graph }) {
            graph.parentNode = nil
        }
        adoptSubgraphs()
        if let graph {
            for subgraph in new { subgraph.nameTable = nil }
            graph.root.nameTable = nil
        }
    }
}

/// Builds a graph from name-based parts (as files store them), resolving names to values.
///
/// The protobuf reader and the text parser both build through this type, so name
/// resolution (local values first, then the graphs around, as ONNX scoping says)
/// lives in one place. Inputs are resolved in `finish()`, so a builder can take
/// nodes in any order; the `Verifier` then reports order problems by name.
public final class GraphBuilder {
    /// The graph under construction.
    public let graph: Graph
    private let outer: GraphBuilder?
    private var locals: [String: Value] = [:]
    /// Inputs gathered until `finish()`: appending to `Graph.inputs` one at a time revisits every earlier
    /// input (its observer), which made reading a graph with n inputs take n² steps.
    private var inputs: [Value] = []
    private var inputIdentifiers = Set<ObjectIdentifier>()
    private var pendingInputs: [(node: Node, names: [String])] = []
    private var pendingOutputs: [(name: String, type: ValueType?, docString: String?, metadata: [KeyValue])] = []
    private var pendingValueInfo: [(name: String, type: ValueType?, docString: String?, metadata: [KeyValue])] = []

    /// Starts a graph; `outer` is the builder of the enclosing graph for a subgraph.
    public init(name: String?, outer: GraphBuilder? = nil) {
        self.graph = Graph(name: name)
        self.outer = outer
    }

    /// Adds a graph input.
    @discardableResult
    public func addInput(name: String, type: ValueType?, docString: String? = nil, metadata: [KeyValue] = [])
        -> Value
    {
        let value = Value(name: name, type: type)
        value.docString = docString
        value.metadataProps = metadata
        value.ownerGraph = graph
        inputs.append(value)
        inputIdentifiers.insert(ObjectIdentifier(value))
        locals[name] = value
        return value
    }

    /// Adds an initializer; one named like an existing input gives that input its default (IR < 4 style).
    @discardableResult
    public func addInitializer(_ tensor: Tensor) -> Value {
        let name = tensor.name ?? ""
        if let input = locals[name], inputIdentifiers.contains(ObjectIdentifier(input)), input.initializer == nil {
            input.initializer = tensor
            graph.registerInitializer(input)
            return input
        }
        let value = graph.addInitializer(tensor, name: name)
        locals[name] = value
        return value
    }

    /// Adds a sparse initializer.
    @discardableResult
    public func addSparseInitializer(_ sparse: SparseTensor) -> Value {
        let name = sparse.name ?? ""
        let value: Value
        if let input = locals[name], inputIdentifiers.contains(ObjectIdentifier(input)) {
            value = input
        } else {
            value = Value(name: name)
            locals[name] = value
        }
        value.sparseInitializer = sparse
        graph.registerSparseInitializer(value)
        return value
    }

    /// Adds a node whose inputs are resolved by name at `finish()`; "" marks an omitted input or output.
    @discardableResult
    public func addNode(
        opType: String, domain: String?, name: String?, inputNames: [String], outputNames: [String],
        attributes: [Attribute]
    ) throws -> Node {
        let node = Node(
            opType: opType, domain: domain, name: name, inputs: [], outputNames: outputNames,
            attributes: attributes)
        try graph.append(node)
        for output in node.outputs.compactMap({ $0 }) {
            if locals[output.name] != nil {
                // Keep the first definition reachable; the verifier reports the duplicate by name.
                continue
            }
            locals[output.name] = output
        }
        pendingInputs.append((node, inputNames))
        return node
    }

    /// Records a graph output, resolved at `finish()`.
    public func addOutput(name: String, type: ValueType?, docString: String? = nil, metadata: [KeyValue] = []) {
        pendingOutputs.append((name, type, docString, metadata))
    }

    /// Records a `value_info` annotation, applied at `finish()`.
    public func addValueInfo(name: String, type: ValueType?, docString: String? = nil, metadata: [KeyValue] = []) {
        pendingValueInfo.append((name, type, docString, metadata))
    }

    /// Looks a name up here, then in the enclosing graphs.
    public func resolve(_ name: String) -> Value? {
        if let value = locals[name] { return value }
        return outer?.resolve(name)
    }

    /// Resolves every name and returns the graph; an undefined name throws, naming node and value.
    public func finish() throws -> Graph {
        if !inputs.isEmpty {
            graph.inputs += inputs
            inputs.removeAll()
        }
        for (node, names) in pendingInputs {
            var values: [Value?] = []
            values.reserveCapacity(names.count)
            for name in names {
                if name.isEmpty {
                    values.append(nil)
                } else if let value = resolve(name) {
                    values.append(value)
                } else {
                    throw IRError.undefinedValue(name: name, node: node.displayName)
                }
            }
            node.setInputs(values)
        }
        pendingInputs.removeAll()
        for info in pendingValueInfo {
            let value = locals[info.name] ?? Value(name: info.name)
            value.type = info.type
            value.docString = info.docString
            value.metadataProps = info.metadata
            graph.valueInfo.append(value)
        }
        pendingValueInfo.removeAll()
        var outputs: [Value] = []
        outputs.reserveCapacity(pendingOutputs.count)
        for output in pendingOutputs {
            guard let value = resolve(output.name) else {
                throw IRError.undefinedOutput(name: output.name, graph: graph.displayName)
            }
            if output.type != nil || value.type == nil { value.type = output.type }
            if output.docString != nil { value.docString = output.docString }
            if !output.metadata.isEmpty { value.metadataProps = output.metadata }
            outputs.append(value)
        }
        // One assignment: each change of `Graph.outputs` revisits every slot (its observer).
        graph.outputs += outputs
        pendingOutputs.removeAll()
        return graph
    }
}

import OnnxIR

/// What a kernel builder knows about its node at plan time: attributes, opset, constant inputs.
struct NodeContext {
    /// The node being planned.
    let node: Node
    /// The opset version imported for the node's domain.
    let opsetVersion: Int
    /// Plans subgraphs; nil only in tests that build kernels without a planner.
    let planner: GraphPlanner
    /// The nesting depth of the node's graph (0 for the main graph).
    let depth: Int
    /// Values visible to the node's graph from the graphs around it and the graph itself.
    let visible: Set<ObjectIdentifier>

    /// Number of input slots, omitted ones included.
    var inputCount: Int { node.inputs.count }
    /// Number of output slots, omitted ones included.
    var outputCount: Int { node.outputs.count }

    /// Whether input `index` is given (present and not omitted).
    func hasInput(_ index: Int) -> Bool { index < node.inputs.count && node.inputs[index] != nil }

    /// Whether output `index` is wanted.
    func hasOutput(_ index: Int) -> Bool { index < node.outputs.count && node.outputs[index] != nil }

    /// The constant elements of input `index` if it is an initializer that no graph input overrides.
    func constantInput(_ index: Int) throws -> NDArray? {
        guard index < node.inputs.count, let value = node.inputs[index], let tensor = value.initializer else {
            return nil
        }
        if let owner = value.ownerGraph, owner.inputs.contains(where: { $0 === value }) { return nil }
        return try NDArray(tensor: tensor)
    }

    /// A cache that packs input `index` for `Blas.sgemm` once, when it is a float initializer that
    /// no graph input overrides and whose bytes are in memory (a spilled weight stays on disk).
    func packedWeightCache(forInput index: Int) -> PackedWeightCache? {
        guard index < node.inputs.count, let value = node.inputs[index], let tensor = value.initializer,
            tensor.dataType == .float, !tensor.hasMappedBytes
        else { return nil }
        if let owner = value.ownerGraph, owner.inputs.contains(where: { $0 === value }) { return nil }
        return PackedWeightCache(budget: planner.constantBudget)
    }

    // MARK: - Attributes

    /// The attribute `name`, if the node has it; inside a function body, references to the
    /// caller's attributes (`ref_attr_name`) are resolved, and an unbound reference counts as absent.
    func attribute(_ name: String) -> Attribute? {
        guard let attribute = node.attribute(name) else { return nil }
        guard let reference = attribute.refAttrName else { return attribute }
        return planner.bindings[reference].map { Attribute(name, $0.value) }
    }

    /// Whether the node has attribute `name`.
    func has(_ name: String) -> Bool { attribute(name) != nil }

    /// Integer attribute `name`, or `defaultValue` when absent.
    func int(_ name: String, default defaultValue: Int) throws -> Int {
        guard let attribute = attribute(name) else { return defaultValue }
        guard let value = attribute.int else { throw KernelError.invalidAttribute("attribute '\(name)' is not an int") }
        guard let converted = Int(exactly: value) else {
            throw KernelError.invalidAttribute("attribute '\(name)' is out of range")
        }
        return converted
    }

    /// Integer attribute `name`, or nil when absent.
    func optionalInt(_ name: String) throws -> Int? {
        guard has(name) else { return nil }
        return try int(name, default: 0)
    }

    /// Integer list attribute `name`, or nil when absent.
    func ints(_ name: String) throws -> [Int]? {
        guard let attribute = attribute(name) else { return nil }
        guard let values = attribute.ints else {
            if let single = attribute.int { return [Int(single)] }
            throw KernelError.invalidAttribute("attribute '\(name)' is not a list of ints")
        }
        return values.map { Int(clamping: $0) }
    }

    /// Float attribute `name`, or `defaultValue` when absent.
    func float(_ name: String, default defaultValue: Float) throws -> Float {
        guard let attribute = attribute(name) else { return defaultValue }
        if let value = attribute.float { return value }
        if let value = attribute.int { return Float(value) }
        throw KernelError.invalidAttribute("attribute '\(name)' is not a float")
    }

    /// Float attribute `name`, or nil when absent.
    func optionalFloat(_ name: String) throws -> Float? {
        guard has(name) else { return nil }
        return try float(name, default: 0)
    }

    /// Float list attribute `name`, or nil when absent.
    func floats(_ name: String) throws -> [Float]? {
        guard let attribute = attribute(name) else { return nil }
        guard let values = attribute.floats else {
            throw KernelError.invalidAttribute("attribute '\(name)' is not a list of floats")
        }
        return values
    }

    /// String attribute `name`, or `defaultValue` when absent.
    func string(_ name: String, default defaultValue: String) throws -> String {
        guard let attribute = attribute(name) else { return defaultValue }
        guard let value = attribute.string else {
            throw KernelError.invalidAttribute("attribute '\(name)' is not a string")
        }
        return value
    }

    /// String list attribute `name`, or nil when absent.
    func strings(_ name: String) throws -> [String]? {
        guard let attribute = attribute(name) else { return nil }
        guard case .strings(let values) = attribute.value else {
            throw KernelError.invalidAttribute("attribute '\(name)' is not a list of strings")
        }
        return values.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Tensor attribute `name`, or nil when absent.
    func tensor(_ name: String) throws -> Tensor? {
        guard let attribute = attribute(name) else { return nil }
        guard let value = attribute.tensor else {
            throw KernelError.invalidAttribute("attribute '\(name)' is not a tensor")
        }
        return value
    }

    /// Graph attribute `name`; throws when absent.
    func graph(_ name: String) throws -> Graph {
        guard let attribute = attribute(name) else {
            throw KernelError.invalidAttribute("attribute '\(name)' is missing")
        }
        guard case .graph(let graph) = attribute.value else {
            throw KernelError.invalidAttribute("attribute '\(name)' is not a graph")
        }
        return graph
    }

    /// Plans the subgraph held in attribute `name`.
    func planSubgraph(_ name: String) throws -> GraphPlan {
        try planner.plan(graph: graph(name), depth: depth + 1, outerVisible: visible)
    }
}

import OnnxIR

/// The tools opset adapters share while one model is upgraded, and the counts of what they did.
///
/// New constants become initializers of the graph that holds the node, except
/// inside model-local functions, whose bodies cannot hold initializers and get
/// `Constant` nodes instead.
final class OpsetRewriter {
    /// Bodies of model-local functions (and graphs nested in them).
    private let functionBodies: Set<ObjectIdentifier>
    /// Nodes rewritten, by op type as it was before the rewrite.
    private(set) var rewritten: [String: Int] = [:]
    /// Nodes the rewrites added (Shape, Flatten, Reshape, Constant).
    private(set) var insertedNodes = 0
    /// Initializers the rewrites added.
    private(set) var addedConstants = 0
    /// Resize nodes that replaced an Upsample, whose scales the spec bounds to 1 or more.
    private(set) var resizesFromUpsample: Set<ObjectIdentifier> = []

    init(functionBodies: Set<ObjectIdentifier>) {
        self.functionBodies = functionBodies
    }

    /// Remembers that `node` replaced an Upsample (so it only ever upsamples).
    func noteUpsampleReplacement(_ node: Node) { resizesFromUpsample.insert(ObjectIdentifier(node)) }

    /// Counts one rewritten node of `opType`.
    func noteRewrite(_ opType: String) { rewritten[opType, default: 0] += 1 }

    /// The error for a node that cannot be rewritten exactly.
    func failure(_ node: Node, step: Int64, _ reason: String) -> OpsetUpgradeError {
        .cannotConvert(node: node.displayName, opType: node.opType, toOpset: step, reason: reason)
    }

    /// The graph holding `node`, or an error (a detached node is a bug in an adapter).
    func graph(of node: Node, step: Int64) throws -> Graph {
        guard let graph = node.graph else { throw failure(node, step: step, "the node belongs to no graph") }
        return graph
    }

    /// A constant holding `tensor`, named after `base`, usable by `node`.
    func constant(_ tensor: Tensor, named base: String, for node: Node, step: Int64) throws -> Value {
        let graph = try graph(of: node, step: step)
        let name = graph.uniqueName(base)
        if isInFunction(graph) {
            let constantNode = Node(
                opType: "Constant", inputs: [], outputNames: [name],
                attributes: [Attribute("value", .tensor(tensor))])
            try graph.insert(constantNode, before: node)
            insertedNodes += 1
            guard let output = constantNode.outputs.first ?? nil else {
                throw failure(node, step: step, "could not create constant '\(name)'")
            }
            return output
        }
        var named = tensor
        named.name = name
        addedConstants += 1
        return graph.addInitializer(named, name: name)
    }

    /// A 1-D int64 constant.
    func int64s(_ values: [Int64], named base: String, for node: Node, step: Int64) throws -> Value {
        try constant(Tensor.int64s(values, dims: [Int64(values.count)]), named: base, for: node, step: step)
    }

    /// A new node inserted before `anchor` with one output named after `base`; returns that output.
    func insert(
        _ opType: String, inputs: [Value?], attributes: [Attribute] = [], output base: String, before anchor: Node,
        step: Int64
    ) throws -> Value {
        let graph = try graph(of: anchor, step: step)
        let node = Node(
            opType: opType, domain: anchor.domainField, inputs: inputs, outputNames: [graph.uniqueName(base)],
            attributes: attributes)
        try graph.insert(node, before: anchor)
        insertedNodes += 1
        guard let output = node.outputs.first ?? nil else {
            throw failure(anchor, step: step, "could not create the \(opType) node")
        }
        return output
    }

    /// Connects input slot `index` of `node` to `value`, padding with omitted inputs as needed.
    func setInput(_ node: Node, _ index: Int, _ value: Value?) {
        while node.inputs.count <= index { node.appendInput(nil) }
        node.setInput(index, value)
    }

    /// Replaces `node` by a node of `opType` with `inputs` and `attributes` that takes over the outputs in `keep`.
    ///
    /// Outputs not kept must be unread; the replacement's outputs carry the
    /// old names, so readers, graph outputs and value annotations stay put.
    @discardableResult
    func replace(
        _ node: Node, opType: String, inputs: [Value?], attributes: [Attribute], keepingOutputs keep: Set<Int>? = nil,
        step: Int64
    ) throws -> Node {
        let graph = try graph(of: node, step: step)
        let kept = keep ?? Set(node.outputs.indices)
        var names: [String] = node.outputs.indices.map { index in
            guard kept.contains(index), let output = node.outputs[index] else { return "" }
            return graph.uniqueName(output.name + "_upgraded")
        }
        while let last = names.last, last.isEmpty { names.removeLast() }
        let replacement = Node(
            opType: opType, domain: node.domainField, name: node.name, inputs: inputs, outputNames: names,
            attributes: attributes)
        replacement.docString = node.docString
        replacement.metadataProps = node.metadataProps
        var rewrite = GraphRewrite()
        rewrite.insert(replacement, before: node)
        for (index, output) in node.outputs.enumerated() {
            guard let output else { continue }
            guard index < replacement.outputs.count, let new = replacement.outputs[index] else {
                if isRead(output) {
                    throw failure(node, step: step, "its output '\(output.name)' is read but has no counterpart")
                }
                continue
            }
            rewrite.takeOver(output, by: new)
        }
        rewrite.remove(node)
        try graph.apply(rewrite)
        return replacement
    }

    /// Whether `output` is read by a node, a graph output or a nested graph's output.
    func isRead(_ output: Value?) -> Bool {
        guard let output else { return false }
        return output.hasUses || output.isAnyGraphOutput
    }

    private func isInFunction(_ graph: Graph) -> Bool {
        var root = graph
        while let parent = root.parentGraph { root = parent }
        return functionBodies.contains(ObjectIdentifier(root))
    }
}

import OnnxIR

/// One planned edit: input `input` of `node` becomes the constant `tensor` (a rescaled copy).
struct ConstantRescale {
    /// The node whose input changes.
    let node: Node
    /// The input index.
    let input: Int
    /// The new constant.
    let tensor: Tensor

    /// Adds the new constant as an initializer, points the input at it and drops the old constant
    /// when nothing else reads it.
    func apply(in graph: Graph) throws {
        guard input < node.inputs.count, let old = node.inputs[input] else { return }
        let name = graph.uniqueName(old.name + "_smoothed")
        var renamed = tensor
        renamed.name = name
        let value = graph.addInitializer(renamed, name: name)
        node.setInput(input, value)
        _ = try GraphSurgery.removeIfUnused(old, in: graph)
    }
}

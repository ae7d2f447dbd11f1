import OnnxIR

/// One edit of an `AbsorptionPlan`.
enum AbsorptionStep {
    /// A constant input replaced by a rescaled copy.
    case rescale(ConstantRescale)
    /// `Cast(condition, to = float)` of a bool tensor becomes `Where(condition, factors, 0)`: the same
    /// 0/1 values already multiplied by the factors, with no node added.
    case castToWhere(node: Node, factors: Tensor)

    /// The node the edit changes.
    var node: Node {
        switch self {
        case .rescale(let step): return step.node
        case .castToWhere(let node, _): return node
        }
    }

    /// The same edit on `other` (a copy of `node`).
    func on(_ other: Node) -> AbsorptionStep {
        switch self {
        case .rescale(let step): return .rescale(ConstantRescale(node: other, input: step.input, tensor: step.tensor))
        case .castToWhere(_, let factors): return .castToWhere(node: other, factors: factors)
        }
    }

    /// Applies the edit.
    func apply(in graph: Graph) throws {
        switch self {
        case .rescale(let step):
            try step.apply(in: graph)
        case .castToWhere(let node, let factors):
            guard node.opType == "Cast", let condition = node.inputs.first ?? nil,
                let output = node.outputs.first ?? nil
            else { throw SmoothQuantError.inconsistentGraph(node: node.displayName) }
            let factorsName = graph.uniqueName(output.name + "_smoothed_factors")
            var named = factors
            named.name = factorsName
            let factorsValue = graph.addInitializer(named, name: factorsName)
            let zeroName = graph.uniqueName(output.name + "_zero")
            let zero = graph.addInitializer(Tensor.floats([0], dims: [], name: zeroName), name: zeroName)
            node.opType = "Where"
            node.removeAttribute("to")
            node.removeAttribute("saturate")
            node.setInputs([condition, factorsValue, zero])
        }
    }
}

import OnnxIR

/// The work of one `eliminate-identity` run: finds pass-through nodes graph by graph and removes them.
struct IdentitySweep {
    let opset: Int64
    let remark: (String) -> Void
    /// Removed nodes by kind: `removed-identity`, `removed-reshape`, `removed-cast`, `removed-dropout`.
    private(set) var removed: [String: Int] = [
        "removed-identity": 0, "removed-reshape": 0, "removed-cast": 0, "removed-dropout": 0,
    ]
    /// Pass-through nodes kept because their output is a graph output that cannot take over another name.
    private(set) var keptForOutputs = 0

    init(opset: Int64, remark: @escaping (String) -> Void) {
        self.opset = opset
        self.remark = remark
    }

    /// Removes pass-through nodes in `graph` and the graphs nested in it.
    mutating func sweep(_ graph: Graph) throws {
        for node in graph.nodes {
            for subgraph in node.subgraphs { try sweep(subgraph) }
        }
        for node in graph.nodes {
            guard node.graph === graph, let kind = passThroughKind(node),
                let input = node.inputs.first ?? nil,
                let output = node.outputs.first ?? nil
            else { continue }
            let operands = node.inputs.dropFirst().compactMap { $0 }
            if try bypass(node, input: input, output: output, in: graph) {
                removed[kind, default: 0] += 1
                // A target shape or a dropout ratio that only this node read goes with it.
                for operand in operands where operand !== input {
                    try GraphSurgery.removeIfUnused(operand, in: graph)
                }
            }
        }
    }

    /// The statistic a node counts under when it passes its first input through unchanged.
    func passThroughKind(_ node: Node) -> String? {
        guard OpsetImport.isDefaultDomain(node.domain), node.subgraphs.isEmpty, node.inputs.first != nil else {
            return nil
        }
        switch node.opType {
        case "Identity":
            return node.outputs.count == 1 ? "removed-identity" : nil
        case "Reshape":
            return node.outputs.count == 1 && isNoOpReshape(node) ? "removed-reshape" : nil
        case "Cast":
            guard node.outputs.count == 1, let to = node.attribute("to")?.int, let input = node.inputs[0],
                let type = TensorSignature(of: input)?.elementType
            else { return nil }
            return Int64(type.rawValue) == to ? "removed-cast" : nil
        case "Dropout":
            return isInferenceDropout(node) ? "removed-dropout" : nil
        default:
            return nil
        }
    }

    /// A Reshape whose constant target resolves to the input's own known shape.
    private func isNoOpReshape(_ node: Node) -> Bool {
        guard node.inputs.count == 2, let data = node.inputs[0], let shapeValue = node.inputs[1],
            let input = TensorSignature(of: data)?.dimensions, let tensor = ConstantData.tensor(of: shapeValue),
            tensor.dims.count == 1, let target = ConstantData.int64s(tensor), target.count == input.count
        else { return false }
        let allowZero = (node.attribute("allowzero")?.int ?? 0) != 0
        guard target.filter({ $0 == -1 }).count <= 1 else { return false }
        // With every other axis equal, a single -1 must take the remaining axis's size.
        return zip(target, input).allSatisfy { entry, dimension in
            switch entry {
            case -1: return true
            case 0 where !allowZero: return true
            default: return dimension.value == entry
            }
        }
    }

    /// A Dropout that cannot drop anything: not in training mode, and its mask output unused.
    private func isInferenceDropout(_ node: Node) -> Bool {
        guard let output = node.outputs.first ?? nil, output.producer === node else { return false }
        if node.outputs.count > 1, let mask = node.outputs[1] {
            guard node.graph != nil, !mask.hasUses, !mask.isAnyGraphOutput else { return false }
        }
        if opset < 7 { return node.attribute("is_test")?.int == 1 }
        guard opset >= 12, node.inputs.count > 2, let trainingMode = node.inputs[2] else { return true }
        guard let flag = ConstantData.tensor(of: trainingMode).flatMap(ConstantData.int64s), flag.count == 1 else {
            return false
        }
        return flag[0] == 0
    }

    /// Makes readers of `output` read `input` and removes `node`; false when a graph output forces it to stay.
    private mutating func bypass(_ node: Node, input: Value, output: Value, in graph: Graph) throws -> Bool {
        var rewrite = GraphRewrite()
        rewrite.remove(node)
        guard graph.outputs.contains(where: { $0 === output }) else {
            rewrite.replaceAllUses(of: output, with: input, graphOutputs: .leave)
            try graph.apply(rewrite)
            if input.type == nil, let type = output.type { adoptType(type, into: input, graph: graph) }
            return true
        }
        guard let producer = input.producer, producer.graph === graph, !graph.outputs.contains(where: { $0 === input })
        else {
            keptForOutputs += 1
            remark(
                "kept \(node.opType) '\(node.displayName)': its output '\(output.name)' is a graph output and its "
                    + "input '\(input.name)' cannot take that name")
            return false
        }
        rewrite.takeOver(output, by: input)
        try graph.apply(rewrite)
        return true
    }

    /// Keeps the type the removed output declared when its replacement has none.
    private func adoptType(_ type: ValueType, into value: Value, graph: Graph) {
        value.type = type
        if value.producer?.graph === graph, !graph.valueInfo.contains(where: { $0 === value }),
            !graph.outputs.contains(where: { $0 === value })
        {
            graph.valueInfo.append(value)
        }
    }
}

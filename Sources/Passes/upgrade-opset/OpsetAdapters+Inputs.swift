import OnnxIR

/// Attributes that became inputs: the value moves into a constant the node reads.
extension OpsetAdapters {
    /// `axes` attribute to input 1 (ReduceSum, Squeeze and Unsqueeze at 13; the other Reduce ops at 18).
    static func axesAsInput(_ node: Node, step: Int64, rewriter: OpsetRewriter) throws -> Node {
        try intsAsFirstOperand("axes", node, step: step, rewriter: rewriter)
    }

    /// Split at 13: the `split` sizes become input 1.
    static func splitSizesAsInput(_ node: Node, step: Int64, rewriter: OpsetRewriter) throws -> Node {
        try intsAsFirstOperand("split", node, step: step, rewriter: rewriter)
    }

    /// Moves the ints attribute `name`, when present, into a constant read as input 1.
    private static func intsAsFirstOperand(_ name: String, _ node: Node, step: Int64, rewriter: OpsetRewriter) throws
        -> Node
    {
        guard let values = try ints(node, name, step: step, rewriter: rewriter) else { return node }
        let constant = try rewriter.int64s(values, named: constantBase(node, name), for: node, step: step)
        rewriter.setInput(node, 1, constant)
        node.removeAttribute(name)
        rewriter.noteRewrite(node.opType)
        return node
    }

    /// Slice at 10: `starts`, `ends` and `axes` become inputs 1 to 3.
    static func sliceWithInputs(_ node: Node, step: Int64, rewriter: OpsetRewriter) throws -> Node {
        guard let starts = try ints(node, "starts", step: step, rewriter: rewriter),
            let ends = try ints(node, "ends", step: step, rewriter: rewriter)
        else { throw rewriter.failure(node, step: step, "Slice-1 needs its 'starts' and 'ends' attributes") }
        let axes = try ints(node, "axes", step: step, rewriter: rewriter)
        rewriter.setInput(
            node, 1, try rewriter.int64s(starts, named: constantBase(node, "starts"), for: node, step: step))
        rewriter.setInput(node, 2, try rewriter.int64s(ends, named: constantBase(node, "ends"), for: node, step: step))
        if let axes {
            rewriter.setInput(
                node, 3, try rewriter.int64s(axes, named: constantBase(node, "axes"), for: node, step: step))
        }
        for name in ["starts", "ends", "axes"] { node.removeAttribute(name) }
        rewriter.noteRewrite(node.opType)
        return node
    }

    /// TopK at 10: `k` becomes input 1, a one-element int64 tensor.
    static func topKWithInput(_ node: Node, step: Int64, rewriter: OpsetRewriter) throws -> Node {
        guard let k = try int(node, "k", step: step, rewriter: rewriter) else {
            throw rewriter.failure(node, step: step, "TopK-1 needs its 'k' attribute")
        }
        rewriter.setInput(node, 1, try rewriter.int64s([k], named: constantBase(node, "k"), for: node, step: step))
        node.removeAttribute("k")
        rewriter.noteRewrite(node.opType)
        return node
    }

    /// Upsample at 9: the `scales` attribute becomes input 1.
    static func upsampleScalesAsInput(_ node: Node, step: Int64, rewriter: OpsetRewriter) throws -> Node {
        guard let attribute = node.attribute("scales") else { return node }
        guard let scales = attribute.floats else {
            throw rewriter.failure(node, step: step, "attribute 'scales' is not a literal list of floats")
        }
        let tensor = Tensor.floats(scales, dims: [Int64(scales.count)])
        rewriter.setInput(
            node, 1, try rewriter.constant(tensor, named: constantBase(node, "scales"), for: node, step: step))
        node.removeAttribute("scales")
        rewriter.noteRewrite(node.opType)
        return node
    }

    /// Clip at 11: `min` and `max` become inputs 1 and 2, scalars of the data's type.
    static func clipWithInputs(_ node: Node, step: Int64, rewriter: OpsetRewriter) throws -> Node {
        let low = try float(node, "min", step: step, rewriter: rewriter)
        let high = try float(node, "max", step: step, rewriter: rewriter)
        let type = node.inputs.first??.elementType
        for (index, bound, name) in [(1, low, "min"), (2, high, "max")] {
            guard let bound else { continue }
            let tensor = try floatingScalar(Double(bound), type: type, node: node, step: step, rewriter: rewriter)
            rewriter.setInput(
                node, index, try rewriter.constant(tensor, named: constantBase(node, name), for: node, step: step))
        }
        node.removeAttribute("min")
        node.removeAttribute("max")
        if low != nil || high != nil { rewriter.noteRewrite(node.opType) }
        return node
    }

    /// Pad at 11: `pads` becomes input 1 (int64) and a non-zero constant `value` input 2.
    static func padWithInputs(_ node: Node, step: Int64, rewriter: OpsetRewriter) throws -> Node {
        guard let pads = try ints(node, "pads", step: step, rewriter: rewriter) else {
            throw rewriter.failure(node, step: step, "Pad-2 needs its 'pads' attribute")
        }
        let mode = try string(node, "mode", step: step, rewriter: rewriter) ?? "constant"
        let value = try float(node, "value", step: step, rewriter: rewriter) ?? 0
        rewriter.setInput(node, 1, try rewriter.int64s(pads, named: constantBase(node, "pads"), for: node, step: step))
        if mode == "constant", value != 0 {
            let type = node.inputs.first??.elementType
            let tensor = try floatingScalar(Double(value), type: type, node: node, step: step, rewriter: rewriter)
            rewriter.setInput(
                node, 2, try rewriter.constant(tensor, named: constantBase(node, "value"), for: node, step: step))
        }
        node.removeAttribute("pads")
        node.removeAttribute("value")
        rewriter.noteRewrite(node.opType)
        return node
    }

    /// Dropout at 12: `ratio` becomes input 1, a float scalar.
    static func dropoutRatioAsInput(_ node: Node, step: Int64, rewriter: OpsetRewriter) throws -> Node {
        guard let ratio = try float(node, "ratio", step: step, rewriter: rewriter) else { return node }
        let tensor = Tensor.floats([ratio], dims: [])
        rewriter.setInput(
            node, 1, try rewriter.constant(tensor, named: constantBase(node, "ratio"), for: node, step: step))
        node.removeAttribute("ratio")
        rewriter.noteRewrite(node.opType)
        return node
    }

    /// DFT at 20: `axis` (default 1) becomes input 2, since the input's default (-2) differs from the old one.
    static func dftAxisAsInput(_ node: Node, step: Int64, rewriter: OpsetRewriter) throws -> Node {
        let axis = try int(node, "axis", step: step, rewriter: rewriter) ?? 1
        let tensor = Tensor.int64s([axis], dims: [])
        rewriter.setInput(
            node, 2, try rewriter.constant(tensor, named: constantBase(node, "axis"), for: node, step: step))
        node.removeAttribute("axis")
        rewriter.noteRewrite(node.opType)
        return node
    }

    /// A readable base name for a constant that feeds `node`.
    static func constantBase(_ node: Node, _ role: String) -> String {
        let stem =
            node.name.flatMap { $0.isEmpty ? nil : $0 } ?? node.outputs.compactMap { $0?.name }.first ?? node.opType
        return "\(stem)_\(role)"
    }
}

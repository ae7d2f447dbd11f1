import OnnxIR

/// Replaces a decomposed LayerNormalization over the last axis by one LayerNormalization node (opset 17+).
///
/// The pattern and its exact conditions are in `LayerNormPattern`. The fused
/// node keeps the pattern's output name, so readers and graph outputs are
/// unchanged; constants only the pattern read (epsilon, the exponent, axes)
/// are removed.
public struct FuseLayerNormPass: Pass {
    /// `fuse-layernorm`.
    public static let argument = "fuse-layernorm"
    /// Walks If/Loop/Scan bodies.
    public static let subgraphReach = SubgraphReach.entersSubgraphs
    /// One line for `list-passes`.
    public static let summary =
        "Replaces a decomposed LayerNormalization (ReduceMean, Sub, Pow, ..., Mul, Add) by one node at opset 17+."

    /// Creates the pass; it takes no options.
    public init(options: [String: String]) throws {
        _ = try PassOptionReader(options, for: Self.self)
    }

    /// Fuses every matching pattern in the main graph and the graphs nested in it.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        var statistics = ["fused-layernorms": 0, "rejected-patterns": 0]
        let opset = model.opsetVersion(for: "") ?? 0
        guard opset >= 17 else {
            let candidates = model.graph.allNodes().filter(LayerNormPattern.isCandidate).count
            if candidates > 0 {
                context.remark(
                    "found \(candidates) possible decomposed LayerNormalization patterns, but the model imports opset "
                        + "\(opset) and LayerNormalization needs 17")
            }
            statistics["rejected-patterns"] = candidates
            return PassResult(changed: false, statistics: statistics)
        }
        try fuse(model.graph, statistics: &statistics, remark: context.remark)
        return PassResult(changed: statistics["fused-layernorms", default: 0] > 0, statistics: statistics)
    }

    private func fuse(_ graph: Graph, statistics: inout [String: Int], remark: (String) -> Void) throws {
        for node in graph.nodes {
            for subgraph in node.subgraphs { try fuse(subgraph, statistics: &statistics, remark: remark) }
            guard node.graph === graph, LayerNormPattern.isCandidate(node) else { continue }
            switch LayerNormPattern.match(node, in: graph) {
            case .success(let pattern):
                try replace(pattern, in: graph)
                statistics["fused-layernorms", default: 0] += 1
            case .failure(let refusal):
                statistics["rejected-patterns", default: 0] += 1
                remark("did not fuse the LayerNormalization pattern starting at '\(node.displayName)': \(refusal)")
            }
        }
    }

    private func replace(_ pattern: LayerNormPattern, in graph: Graph) throws {
        guard let last = pattern.nodes.last else { return }
        let scale = try oneDimensional(pattern.scale, width: pattern.width, in: graph)
        let bias = try pattern.bias.map { try oneDimensional($0, width: pattern.width, in: graph) }
        let fused = Node(
            opType: "LayerNormalization", domain: last.domainField, name: pattern.nodes.first?.name,
            inputs: bias.map { [pattern.input, scale, $0] } ?? [pattern.input, scale],
            outputNames: [graph.uniqueName(pattern.output.name + "_layernorm")],
            attributes: [Attribute("axis", .int(-1)), Attribute("epsilon", .float(pattern.epsilon))])
        let operands = pattern.nodes.flatMap { $0.inputs.compactMap { $0 } }.filter(ConstantData.isConstant)
        guard let output = fused.outputs.first ?? nil else { return }
        var rewrite = GraphRewrite()
        rewrite.insert(fused, before: last)
        rewrite.takeOver(pattern.output, by: output)
        for node in pattern.nodes { rewrite.remove(node) }
        try graph.apply(rewrite)
        for operand in operands { try GraphSurgery.removeIfUnused(operand, in: graph) }
    }

    /// The constant itself when it is already 1-D, else a new 1-D initializer with the same elements.
    private func oneDimensional(_ value: Value, width: Int64, in graph: Graph) throws -> Value {
        guard var tensor = ConstantData.tensor(of: value), tensor.dims != [width] else { return value }
        let name = graph.uniqueName(value.name + "_1d")
        tensor.dims = [width]
        tensor.name = name
        return graph.addInitializer(tensor, name: name)
    }
}

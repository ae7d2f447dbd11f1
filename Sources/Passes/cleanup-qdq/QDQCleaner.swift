import OnnxIR
import Quantization

/// The rewrites of `cleanup-qdq` on one graph, with their counts.
struct QDQCleaner {
    let graph: Graph
    let target: QuantizationTarget
    let dropsUnfusable: Bool
    /// The scales the input model's own pairs gave activations (`import-qdq`), by tensor: a QuantizeLinear
    /// still using one keeps it (learned scales win over a shared one).
    let modelScales: [String: Float]
    private(set) var statistics: [String: Int] = [
        "removed-activations": 0, "redundant-pairs": 0, "propagated-scales": 0, "dropped-pairs": 0,
        "removed-initializers": 0,
    ]
    /// Constants read by nodes this cleaner removed or rewired; removed at the end if nothing reads them.
    private var orphanCandidates: [Value] = []

    init(graph: Graph, target: QuantizationTarget, dropsUnfusable: Bool, modelScales: [String: Float] = [:]) {
        self.graph = graph
        self.target = target
        self.dropsUnfusable = dropsUnfusable
        self.modelScales = modelScales
    }

    /// Repeats every rewrite until none applies (each one removes a node or a scale difference, so this ends).
    mutating func run() throws {
        var rounds = 0
        while rounds <= graph.nodes.count {
            rounds += 1
            var changed = false
            for node in graph.nodes where node.graph === graph && OpsetImport.isDefaultDomain(node.domain) {
                switch node.opType {
                case "Relu", "Clip":
                    if try removeRedundantActivation(node) { changed = true }
                case "QuantizeLinear":
                    if try removeRequantization(node) {
                        changed = true
                    } else if propagateScale(into: node) {
                        changed = true
                    } else if dropsUnfusable, try dropUnfusablePair(node) {
                        changed = true
                    }
                default:
                    continue
                }
            }
            if !changed { break }
        }
        try removeUnusedInitializers()
    }

    // MARK: - Relu / Clip

    /// `Relu(x) → Q` is `x → Q` when Q maps 0 to its lowest code: every negative input saturates there too.
    /// `Clip(x, lo, hi) → Q` likewise when Q maps `lo` to the lowest and `hi` to the highest code.
    private mutating func removeRedundantActivation(_ node: Node) throws -> Bool {
        guard let input = node.inputs.first ?? nil, let output = node.outputs.first ?? nil, !output.isGraphOutput,
            output.hasUses, node.outputs.count == 1
        else { return false }
        let bounds: (low: Float?, high: Float?)
        if node.opType == "Relu" {
            bounds = (0, nil)
        } else {
            guard let clip = clipBounds(node) else { return false }
            bounds = clip
        }
        for use in output.uses {
            guard use.node.opType == "QuantizeLinear", use.inputIndex == 0,
                let params = QDQParameters(use.node)?.perTensor, let range = params.format.integerRange()
            else { return false }
            if let low = bounds.low, code(low, params) != range.lowerBound { return false }
            if let high = bounds.high, code(high, params) != range.upperBound { return false }
        }
        var rewrite = GraphRewrite()
        rewrite.replaceAllUses(of: output, with: input)
        try remove([node], after: rewrite)
        statistics["removed-activations", default: 0] += 1
        return true
    }

    private func clipBounds(_ node: Node) -> (low: Float?, high: Float?)? {
        if node.inputs.count <= 1 {
            return (node.attribute("min")?.float, node.attribute("max")?.float)
        }
        func bound(_ index: Int) -> Float?? {
            guard index < node.inputs.count, let value = node.inputs[index] else { return .some(nil) }
            guard let tensor = ConstantData.tensor(of: value), let scalar = ConstantData.scalar(tensor) else {
                return nil
            }
            return .some(Float(scalar))
        }
        guard let low = bound(1), let high = bound(2) else { return nil }
        return (low, high)
    }

    /// QuantizeLinear of one value: `saturate(round_half_even(x / scale) + zero_point)`, in float32.
    private func code(_ value: Float, _ params: QuantParams) -> Int {
        guard let range = params.format.integerRange() else { return 0 }
        let quotient = (value / params.scale).rounded(.toNearestOrEven)
        guard quotient.isFinite else { return quotient > 0 ? range.upperBound : range.lowerBound }
        let shifted = Double(quotient) + Double(params.zeroPoint)
        return Int(min(max(shifted, Double(range.lowerBound)), Double(range.upperBound)))
    }

    // MARK: - DQ → Q

    /// `DQ(q) → Q` with the same parameters gives back `q` exactly: the Q's readers read `q`.
    private mutating func removeRequantization(_ quantize: Node) throws -> Bool {
        guard let input = quantize.inputs.first ?? nil, let dequantize = input.producer,
            dequantize.opType == "DequantizeLinear", let output = quantize.outputs.first ?? nil, !output.isGraphOutput,
            let original = dequantize.inputs.first ?? nil,
            let before = QDQParameters(dequantize), let after = QDQParameters(quantize), before == after
        else { return false }
        // The DequantizeLinear goes too when the QuantizeLinear was its only reader.
        let dequantizeGoes = input.uses.allSatisfy { $0.node === quantize } && !input.isAnyGraphOutput
        var rewrite = GraphRewrite()
        rewrite.replaceAllUses(of: output, with: original)
        try remove(dequantizeGoes ? [quantize, dequantize] : [quantize], after: rewrite)
        statistics["redundant-pairs", default: 0] += 1
        return true
    }

    // MARK: - Shape-only ops

    /// `DQ(a) → Reshape → Q(b)`: the values after the shape op are exactly on `a`'s grid, so quantizing them
    /// with `a`'s parameters is lossless and lets the engine drop the pair around the shape op.
    private mutating func propagateScale(into quantize: Node) -> Bool {
        guard let input = quantize.inputs.first ?? nil, let shapeOp = input.producer,
            CleanupQDQPass.shapeOnlyOps.contains(shapeOp.opType), OpsetImport.isDefaultDomain(shapeOp.domain),
            let source = shapeOp.inputs.first ?? nil, let dequantize = source.producer,
            dequantize.opType == "DequantizeLinear",
            let before = QDQParameters(dequantize), let after = QDQParameters(quantize),
            before != after, before.perTensor != nil, after.perTensor != nil,
            before.zeroPointType == after.zeroPointType,
            let output = quantize.outputs.first ?? nil, !output.isGraphOutput,
            output.uses.allSatisfy({ $0.node.opType == "DequantizeLinear" && $0.inputIndex == 0 })
        else { return false }
        if let kept = modelScales[input.name], after.scales == [kept] { return false }
        for readers in output.uses where QDQParameters(readers.node) != after { return false }
        orphanCandidates.append(contentsOf: quantize.inputs.dropFirst().compactMap { $0 })
        let scale = dequantize.inputs[1]
        let zeroPoint = dequantize.inputs[2]
        quantize.setInput(1, scale)
        quantize.setInput(2, zeroPoint)
        for reader in output.uses {
            reader.node.setInput(1, scale)
            reader.node.setInput(2, zeroPoint)
        }
        statistics["propagated-scales", default: 0] += 1
        return true
    }

    // MARK: - Unfusable pairs

    /// A pair is worth keeping when a consumer of its DequantizeLinear or the producer of its input is fused by
    /// the target; otherwise it only adds noise and work, so the float tensor goes straight to the consumers.
    private mutating func dropUnfusablePair(_ quantize: Node) throws -> Bool {
        guard let input = quantize.inputs.first ?? nil, let output = quantize.outputs.first ?? nil,
            !output.isGraphOutput, !output.uses.isEmpty,
            output.uses.allSatisfy({ $0.node.opType == "DequantizeLinear" && $0.inputIndex == 0 })
        else { return false }
        let dequantizers = output.uses.map(\.node)
        if let producer = input.producer, target.fusingProducers.contains(producer.opType),
            producer.inputs.contains(where: { $0?.producer?.opType == "DequantizeLinear" })
        {
            return false
        }
        for dequantize in dequantizers {
            guard let dequantized = dequantize.outputs.first ?? nil, !dequantized.isGraphOutput else { return false }
            if dequantized.uses.contains(where: { target.fusingConsumers.contains($0.node.opType) }) { return false }
        }
        var rewrite = GraphRewrite()
        for dequantize in dequantizers {
            if let dequantized = dequantize.outputs.first ?? nil {
                rewrite.replaceAllUses(of: dequantized, with: input)
            }
        }
        try remove(dequantizers + [quantize], after: rewrite)
        statistics["dropped-pairs", default: 0] += 1
        return true
    }

    // MARK: - Initializers

    /// Applies `rewrite` with the removal of `nodes` as one step; their constant operands may be orphans now.
    private mutating func remove(_ nodes: [Node], after rewrite: GraphRewrite) throws {
        var rewrite = rewrite
        for node in nodes { rewrite.remove(node) }
        try graph.apply(rewrite)
        for node in nodes { orphanCandidates.append(contentsOf: node.inputs.dropFirst().compactMap { $0 }) }
    }

    private mutating func removeUnusedInitializers() throws {
        var seen = Set<ObjectIdentifier>()
        for value in orphanCandidates where seen.insert(ObjectIdentifier(value)).inserted {
            guard !value.hasUses, !value.isGraphOutput, value.ownerGraph === graph,
                graph.initializers.contains(where: { $0 === value })
            else { continue }
            try graph.removeInitializer(value)
            statistics["removed-initializers", default: 0] += 1
        }
    }
}

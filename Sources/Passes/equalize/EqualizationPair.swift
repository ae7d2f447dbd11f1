import OnnxIR

/// Two layers whose channels can be rescaled against each other: `first`'s output channel `i` reaches
/// `second`'s input channel `i` through at most a per-channel bias `Add` and one positively homogeneous
/// activation (`f(s·x) = s·f(x)` for every `s > 0`), and through nothing else.
struct EqualizationPair {
    /// The layer whose output channels are divided by `s`.
    let first: Node
    /// The `Add` of a per-channel constant right after `first`, if any (its constant is divided by `s` too).
    let biasAdd: Node?
    /// The layer whose input channels are multiplied by `s`.
    let second: Node

    /// Why a chain of two layers was left alone; each case is one pass counter.
    enum Refusal: String, CaseIterable, Error {
        /// A value between the two layers is read by another node or is a graph output.
        case otherReaders = "skipped-other-readers"
        /// The activation between them is not positively homogeneous (Clip with an upper bound, HardSwish, ...).
        case activation = "skipped-activations"
        /// A weight (or bias) is not a readable float32 constant, or has a layout the pass does not rescale.
        case weights = "skipped-non-constant-weights"
        /// The first layer's output channels are not the second's input channels (grouping, shapes, transA).
        case channels = "skipped-channel-mismatches"

        /// The remark for a chain refused before its layers were read.
        var explanation: String {
            switch self {
            case .otherReaders: return "a value on the way to the next layer has other readers or is a graph output"
            case .activation: return "the op before the next layer is not ReLU, LeakyReLU or Clip(x, 0) without a bound"
            case .weights: return "a weight or bias is not a float32 constant"
            case .channels: return "the channels of the two layers do not line up"
            }
        }
    }

    /// The activations through which channel scaling passes unchanged.
    static func isHomogeneous(_ node: Node, opset: Int64) -> Bool {
        guard OpsetImport.isDefaultDomain(node.domain), node.inputs.count >= 1 else { return false }
        switch node.opType {
        case "Relu", "LeakyRelu": return true
        case "Clip": return isUnboundedRelu(node, opset: opset)
        default: return false
        }
    }

    /// `Clip(x, 0)` without an upper bound is ReLU; any finite upper bound breaks `f(s·x) = s·f(x)`.
    private static func isUnboundedRelu(_ node: Node, opset: Int64) -> Bool {
        if opset < 11 {
            guard node.attribute("min")?.float == 0 else { return false }
            let upper = node.attribute("max")?.float ?? .infinity
            return upper == .infinity
        }
        guard node.inputs.count > 1, let low = node.inputs[1], let lower = ConstantData.tensor(of: low),
            ConstantData.scalar(lower) == 0
        else { return false }
        guard node.inputs.count > 2, let high = node.inputs[2] else { return true }
        guard let upper = ConstantData.tensor(of: high) else { return false }
        return ConstantData.scalar(upper) == .infinity
    }

    /// The pair starting at `first`, nil when nothing after `first` leads to another layer, or the reason a
    /// chain that does lead to one cannot be equalized.
    static func find(from first: Node, in graph: Graph, opset: Int64) -> Result<EqualizationPair, Refusal>? {
        guard LinearLayer.isLayer(first), first.graph === graph, var current = first.outputs.first ?? nil else {
            return nil
        }
        var biasAdd: Node?
        var passedActivation = false
        while true {
            let readers = current.uses.map(\.node)
            guard readers.count == 1, !current.isAnyGraphOutput, let reader = readers.first, reader.graph === graph
            else {
                // Only a chain that reaches a layer's data input is worth counting as refused.
                let leadsToLayer = readers.contains { LinearLayer.isLayer($0) && $0.inputs.first ?? nil === current }
                return leadsToLayer ? .failure(.otherReaders) : nil
            }
            if LinearLayer.isLayer(reader) {
                guard reader.inputs.first ?? nil === current else { return nil }
                return .success(EqualizationPair(first: first, biasAdd: biasAdd, second: reader))
            }
            let output = reader.outputs.first ?? nil
            if reader.opType == "Add", OpsetImport.isDefaultDomain(reader.domain), biasAdd == nil, !passedActivation,
                reader.inputs.contains(where: { $0.map(ConstantData.isConstant) ?? false })
            {
                biasAdd = reader
            } else if !passedActivation, isHomogeneous(reader, opset: opset) {
                passedActivation = true
            } else {
                // An elementwise op that breaks the scaling, right before a layer, is a refused chain.
                let next = output?.uses.map(\.node) ?? []
                let feedsLayer =
                    next.count == 1 && LinearLayer.isLayer(next[0]) && next[0].inputs.first ?? nil === output
                return feedsLayer && reader.inputs.count <= 3 && reader.outputs.count == 1 ? .failure(.activation) : nil
            }
            guard let output else { return nil }
            current = output
        }
    }
}

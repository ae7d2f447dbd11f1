import OnnxIR

/// The two products of every causal (decoder) self-attention of a graph: `scores = Q·Kᵀ` and `P·V`, where the
/// scores reach a Softmax through a mask computed from token positions.
///
/// Per-tensor int8 loses a decoder's attention: the probabilities `P` of one row mostly go to one "sink"
/// token, and the rest, each well below 1/127, round to zero (whisper base's decoder: static W8A8 perplexity
/// +18 % with them quantized, +8 % without). Engines run decoder attention in their FP16 or FP8 fused
/// kernels anyway (TensorRT's int8 fused attention covers encoders of at most 512 tokens, and ModelOpt leaves
/// longer attention unquantized), so `insert-qdq` keeps these products float unless told otherwise.
///
/// The pattern, from a Softmax back to its scores: `Add(scores, mask)` or `Where(condition, scores, fill)`
/// (either operand order), scalings by a constant (`Mul`, `Div`) and `Cast`s in between, then a MatMul of
/// two activations. The attention is causal when the mask (or the Where's condition) is computed from token
/// positions: a `Range` or `Trilu` lies among the nodes it is computed from, while the scores are not.
/// The second product is the MatMul that reads the Softmax's output (through `Cast`s) as its left operand.
struct CausalAttention {
    /// The attention products found, by node identity.
    let products: Set<ObjectIdentifier>

    private static let positionOps: Set<String> = ["Range", "Trilu"]
    private static let maskDepth = 64

    /// Finds the causal attentions of `graph` (its own nodes, not nested graphs').
    init(graph: Graph) {
        var found: Set<ObjectIdentifier> = []
        for softmax in graph.nodes where Self.isDefault(softmax, ["Softmax"]) {
            guard let input = softmax.inputs.first ?? nil,
                let (scores, mask) = Self.scoresAndMask(input), Self.isPositional(mask, excluding: scores)
            else { continue }
            found.insert(ObjectIdentifier(scores))
            if let output = softmax.outputs.first ?? nil, let product = Self.reader(of: output) {
                found.insert(ObjectIdentifier(product))
            }
        }
        products = found
    }

    /// Whether `node` is one of the two products of a causal attention.
    func contains(_ node: Node) -> Bool { products.contains(ObjectIdentifier(node)) }

    /// Walks back from a Softmax input to the scores MatMul and the mask applied on the way.
    private static func scoresAndMask(_ value: Value) -> (scores: Node, mask: Value)? {
        guard let masking = unscaled(value).producer, OpsetImport.isDefaultDomain(masking.domain) else { return nil }
        let inputs = masking.inputs
        let candidates: [(scores: Value?, mask: Value?)]
        switch masking.opType {
        case "Add" where inputs.count == 2: candidates = [(inputs[0], inputs[1]), (inputs[1], inputs[0])]
        case "Where" where inputs.count == 3: candidates = [(inputs[1], inputs[0]), (inputs[2], inputs[0])]
        default: return nil
        }
        for (scores, mask) in candidates {
            if let scores, let mask, let product = product(under: scores) { return (product, mask) }
        }
        return nil
    }

    /// The MatMul of two activations `value` comes from through Casts and scalings by a constant, if any.
    private static func product(under value: Value) -> Node? {
        guard let producer = unscaled(value).producer, isDefault(producer, ["MatMul"]),
            producer.inputs.allSatisfy({ $0.map { !ConstantData.isConstant($0) } ?? false })
        else { return nil }
        return producer
    }

    /// `value` without the Casts and the scalings by a constant (`Mul`, `Div`) that produce it.
    private static func unscaled(_ value: Value) -> Value {
        var current = value
        for _ in 0..<8 {
            guard let producer = current.producer, OpsetImport.isDefaultDomain(producer.domain) else { break }
            let inputs = producer.inputs
            switch producer.opType {
            case "Cast":
                guard let next = inputs.first ?? nil else { return current }
                current = next
            case "Mul", "Div":
                guard inputs.count == 2, let left = inputs[0], let right = inputs[1] else { return current }
                if ConstantData.isConstant(right) {
                    current = left
                } else if producer.opType == "Mul", ConstantData.isConstant(left) {
                    current = right
                } else {
                    return current
                }
            default:
                return current
            }
        }
        return current
    }

    /// Whether a Range or Trilu lies among the nodes `mask` is computed from, without passing `scores`.
    private static func isPositional(_ mask: Value, excluding scores: Node) -> Bool {
        var stack = [mask]
        var seen: Set<ObjectIdentifier> = []
        while let value = stack.popLast(), seen.count < maskDepth {
            guard let producer = value.producer, seen.insert(ObjectIdentifier(producer)).inserted,
                producer !== scores
            else { continue }
            if isDefault(producer, positionOps) { return true }
            stack.append(contentsOf: producer.inputs.compactMap { $0 })
        }
        return false
    }

    /// The MatMul that reads `value` (through Casts) as its left operand.
    private static func reader(of value: Value) -> Node? {
        var current = value
        for _ in 0..<4 {
            guard current.uses.count == 1, let use = current.uses.first,
                OpsetImport.isDefaultDomain(use.node.domain)
            else { return nil }
            if use.node.opType == "MatMul", use.inputIndex == 0 { return use.node }
            guard use.node.opType == "Cast", let next = use.node.outputs.first ?? nil else { return nil }
            current = next
        }
        return nil
    }

    private static func isDefault(_ node: Node, _ opTypes: Set<String>) -> Bool {
        opTypes.contains(node.opType) && OpsetImport.isDefaultDomain(node.domain)
    }
}

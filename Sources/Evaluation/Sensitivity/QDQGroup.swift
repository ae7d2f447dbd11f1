import OnnxIR

/// The DequantizeLinear nodes of a QDQ graph that stand for one float value: the value a QuantizeLinear reads
/// (an activation), or a constant stored quantized (a weight).
struct QDQGroup {
    /// The float value (the QuantizeLinear input), or the quantized constant.
    var source: Value
    /// Whether `source` is a quantized constant.
    var isWeight: Bool
    /// The DequantizeLinear nodes, in graph order.
    var nodes: [Node]
    /// The float model's name for the tensor, as `qdqc compare` matches it (else the source's name).
    var tensor: String

    /// The groups of `graph`, in graph order, named after the tensors of `float`.
    static func groups(in model: Model, float: Model) -> [QDQGroup] {
        var names: [String: String] = [:]
        for pair in TensorMatcher(float: float, quantized: model).pairs() { names[pair.quantizedName] = pair.floatName }
        var groups: [QDQGroup] = []
        var index: [ObjectIdentifier: Int] = [:]
        for node in model.graph.nodes where TensorMatcher.isDequantize(node) {
            guard let output = node.outputs.first ?? nil, let input = node.inputs.first ?? nil else { continue }
            let source: Value
            let isWeight: Bool
            if let quantize = input.producer, TensorMatcher.isQuantize(quantize),
                let before = quantize.inputs.first ?? nil
            {
                (source, isWeight) = (before, false)
            } else if input.isConstant {
                (source, isWeight) = (input, true)
            } else {
                continue
            }
            if let existing = index[ObjectIdentifier(source)] {
                groups[existing].nodes.append(node)
            } else {
                index[ObjectIdentifier(source)] = groups.count
                groups.append(
                    QDQGroup(
                        source: source, isWeight: isWeight, nodes: [node], tensor: names[output.name] ?? source.name))
            }
        }
        return groups
    }
}

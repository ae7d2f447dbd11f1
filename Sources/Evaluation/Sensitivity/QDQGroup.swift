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

extension QDQGroup {
    /// The float model's initializers by name: the weights raised groups are rebuilt from.
    static func floatWeights(of float: Model) -> [String: Value] {
        Dictionary(float.graph.initializers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The value that stands for this activation in float, added to `graph` when needed: the QuantizeLinear's
    /// input, or, where `cleanup-qdq` removed a Relu/Clip whose range the pair now enforces (ONNX Runtime's
    /// `adjust_tensor_ranges`), that op applied again to the input, so leaving the pair out keeps the model's
    /// meaning. `float` is the float model the tensor names come from.
    func floatStandIn(in graph: Graph, float: Model) throws -> Value {
        guard !isWeight, let floatProducer = removedRangeOp(float: float) else { return source }
        var inputs: [Value?] = [source]
        for input in floatProducer.inputs.dropFirst() {
            guard let input else {
                inputs.append(nil)
                continue
            }
            guard let constant = input.initializer ?? input.producer?.attribute("value")?.tensor else {
                return source
            }
            inputs.append(graph.addInitializer(constant, name: graph.uniqueName(input.name)))
        }
        let node = Node(
            opType: floatProducer.opType, name: graph.uniqueName(tensor + "_float_op", avoidingNodeNames: true),
            inputs: inputs, outputNames: [graph.uniqueName(tensor + "_float_value")],
            attributes: floatProducer.attributes)
        if let producer = source.producer {
            try graph.insert(node, after: producer)
        } else {
            try graph.insert(node, before: graph.nodes[0])
        }
        return node.outputs[0]!
    }

    /// The float model's Relu/Clip next to this activation that the quantized graph no longer has: the one
    /// producing the tensor (the pair was named after the op's output), or the only reader of the tensor.
    private func removedRangeOp(float: Model) -> Node? {
        let rangeOps: Set<String> = ["Relu", "Clip"]
        let floatGraph = float.graph
        if let producer = floatGraph.nodes.first(where: { node in node.outputs.contains { $0?.name == tensor } }),
            rangeOps.contains(producer.opType)
        {
            return source.producer?.opType == producer.opType ? nil : producer
        }
        let readers = floatGraph.nodes.filter { node in node.inputs.contains { $0?.name == tensor } }
        guard readers.count == 1, rangeOps.contains(readers[0].opType),
            !source.uses.contains(where: { $0.node.opType == readers[0].opType })
        else { return nil }
        return readers[0]
    }
}

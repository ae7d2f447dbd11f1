import OnnxIR

/// The float graph's tensors by name, with the node and topological position that describe each.
struct FloatGraphIndex {
    private var values: [String: Value] = [:]
    private var positions: [ObjectIdentifier: Int] = [:]

    init(graph: Graph) {
        for (position, node) in graph.nodes.enumerated() {
            positions[ObjectIdentifier(node)] = position
            for case let output? in node.outputs where values[output.name] == nil { values[output.name] = output }
        }
        for value in graph.inputs + graph.initializers where values[value.name] == nil { values[value.name] = value }
    }

    func contains(_ name: String) -> Bool { values[name] != nil }

    /// The float tensor's initializer, when it is one.
    func initializer(_ name: String) -> Tensor? { values[name]?.initializer }

    /// A pair for float tensor `name`: a constant is a weight described by its first consumer,
    /// anything else an activation described by its producer.
    func describe(_ name: String, quantizedName: String, preQuantizedName: String?) -> TensorPair {
        guard let value = values[name] else {
            return TensorPair(
                floatName: name, quantizedName: quantizedName, preQuantizedName: preQuantizedName,
                kind: .activation, nodeName: nil, opType: "?", position: -1)
        }
        let isWeight = TensorMatcher.isConstant(value)
        let describing = isWeight ? firstConsumer(of: value) : value.producer
        let position = describing.flatMap { positions[ObjectIdentifier($0)] } ?? -1
        let opType = describing?.opType ?? (isWeight ? "initializer" : "input")
        return TensorPair(
            floatName: name, quantizedName: quantizedName, preQuantizedName: preQuantizedName,
            kind: isWeight ? .weight : .activation, nodeName: describing?.name, opType: opType, position: position)
    }

    /// The consumer that comes first in the graph, so the result does not depend on use-list order.
    private func firstConsumer(of value: Value) -> Node? {
        value.uses.map(\.node).min {
            (positions[ObjectIdentifier($0)] ?? .max) < (positions[ObjectIdentifier($1)] ?? .max)
        }
    }
}

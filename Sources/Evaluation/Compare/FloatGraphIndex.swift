import OnnxIR

/// The float graph's tensors by name, with the node and topological position that describe each.
struct FloatGraphIndex {
    private var values: [String: Value] = [:]
    private var positions: [ObjectIdentifier: Int] = [:]

    init(graph: Graph) {
        // Body values go by their scoped names; a model whose names collide that way is indexed by plain names.
        let scoped = try? ScopedValueNames(graph: graph)
        func add(_ graph: Graph, position top: Int?) {
            for (position, node) in graph.nodes.enumerated() {
                // A body's nodes are placed at the node holding the body, for the chart along graph depth.
                positions[ObjectIdentifier(node)] = top ?? position
                for case let output? in node.outputs {
                    let name = scoped?.name(of: output) ?? output.name
                    if values[name] == nil { values[name] = output }
                }
                for body in node.subgraphs { add(body, position: top ?? position) }
            }
            for value in graph.inputs + graph.initializers {
                let name = scoped?.name(of: value) ?? value.name
                if values[name] == nil { values[name] = value }
            }
        }
        add(graph, position: nil)
    }

    func contains(_ name: String) -> Bool { values[name] != nil }

    /// The float tensor's initializer, when it is one.
    func initializer(_ name: String) -> Tensor? { values[name]?.initializer }

    /// The constant tensors of the model (main graph and bodies) by scoped name.
    var initializers: [(name: String, tensor: Tensor)] {
        values.compactMap { name, value in value.initializer.map { (name, $0) } }.sorted { $0.name < $1.name }
    }

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

/// The inputs and output lists a `GraphRewrite` would leave, worked out without touching the graph.
///
/// Only nodes and graphs the rewrite rewires get an entry; everything else
/// reads as it is now. `Graph.apply` checks the rewrite against this state
/// and changes the graph only when every check passed.
struct RewriteSimulation {
    private var inputs: [ObjectIdentifier: (node: Node, inputs: [Value?])] = [:]
    private var outputs: [ObjectIdentifier: (graph: Graph, outputs: [Value])] = [:]

    /// Input `index` of `node` after the steps so far.
    func input(_ node: Node, _ index: Int) -> Value? {
        if let entry = inputs[ObjectIdentifier(node)] { return entry.inputs[index] }
        return node.inputs[index]
    }

    /// `graph`'s outputs after the steps so far.
    func outputs(of graph: Graph) -> [Value] { outputs[ObjectIdentifier(graph)]?.outputs ?? graph.outputs }

    mutating func setInput(_ node: Node, _ index: Int, _ value: Value?) {
        var current = inputs[ObjectIdentifier(node)]?.inputs ?? node.inputs
        current[index] = value
        inputs[ObjectIdentifier(node)] = (node, current)
    }

    mutating func setOutput(_ graph: Graph, _ index: Int, _ value: Value) {
        var current = outputs(of: graph)
        current[index] = value
        outputs[ObjectIdentifier(graph)] = (graph, current)
    }

    /// The node inputs reading `value` after the steps so far.
    func uses(of value: Value) -> [Use] {
        var result = value.uses.filter { input($0.node, $0.inputIndex) === value }
        for (node, simulated) in inputs.values {
            for index in simulated.indices where simulated[index] === value && node.inputs[index] !== value {
                result.append(Use(node: node, inputIndex: index))
            }
        }
        return result
    }

    /// The output slots holding `value` after the steps so far.
    func outputUses(of value: Value) -> [GraphOutputUse] {
        var result: [GraphOutputUse] = []
        var graphs = value.outputUses.map(\.graph)
        for (graph, _) in outputs.values where !graphs.contains(where: { $0 === graph }) { graphs.append(graph) }
        var seen = Set<ObjectIdentifier>()
        for graph in graphs where seen.insert(ObjectIdentifier(graph)).inserted {
            let list = outputs(of: graph)
            for index in list.indices where list[index] === value {
                result.append(GraphOutputUse(graph: graph, index: index))
            }
        }
        return result
    }
}

import OnnxIR

/// Stable topological sorting of a graph and its nested graphs, for passes that add nodes out of order.
public enum TopologicalOrder {
    /// What a sort did.
    public struct Outcome: Sendable, Equatable {
        /// Nodes whose position in their graph changed.
        public var movedNodes = 0
        /// Graphs whose order changed.
        public var reorderedGraphs = 0
    }

    /// The nodes of a graph depend on each other in a cycle, so no order exists.
    public struct CycleError: Error, Equatable, CustomStringConvertible {
        /// The graph's name.
        public var graph: String
        /// A node on the cycle (where the search found it closed).
        public var node: String

        /// A one-line explanation.
        public var description: String { "the nodes of graph '\(graph)' form a cycle through node '\(node)'" }
    }

    /// Sorts `graph` and every graph nested in it.
    ///
    /// Nodes keep their current relative order, except that a node placed too
    /// late moves up to just before the first node that needs it; a valid order
    /// is left untouched. Throws `CycleError` and changes nothing in a graph
    /// whose nodes form a cycle.
    @discardableResult
    public static func sort(_ graph: Graph) throws -> Outcome {
        var outcome = Outcome()
        try sort(graph, into: &outcome)
        return outcome
    }

    private static func sort(_ graph: Graph, into outcome: inout Outcome) throws {
        for node in graph.nodes {
            for subgraph in node.subgraphs { try sort(subgraph, into: &outcome) }
        }
        let nodes = graph.nodes
        let order = try stableOrder(of: nodes, in: graph)
        let moved = zip(order, nodes).filter { $0 !== $1 }.count
        guard moved > 0 else { return }
        try graph.reorder(order)
        outcome.movedNodes += moved
        outcome.reorderedGraphs += 1
    }

    /// Walks the nodes in current order; before placing a node, places the unplaced nodes it depends on.
    ///
    /// Iterative depth-first search, so long chains cannot overflow the stack.
    private static func stableOrder(of nodes: [Node], in graph: Graph) throws -> [Node] {
        var position: [ObjectIdentifier: Int] = [:]
        for (index, node) in nodes.enumerated() { position[ObjectIdentifier(node)] = index }
        let producers = nodes.map { node in
            Set(dependencies(of: node, in: graph).compactMap { position[ObjectIdentifier($0)] }).sorted()
        }
        var state = Array(repeating: VisitState.unvisited, count: nodes.count)
        var order: [Node] = []
        order.reserveCapacity(nodes.count)
        for root in nodes.indices where state[root] == .unvisited {
            state[root] = .inProgress
            var stack = [(node: root, next: 0)]
            while let top = stack.last {
                if top.next < producers[top.node].count {
                    let producer = producers[top.node][top.next]
                    stack[stack.count - 1].next += 1
                    switch state[producer] {
                    case .placed:
                        continue
                    case .inProgress:
                        throw CycleError(graph: graph.displayName, node: nodes[producer].displayName)
                    case .unvisited:
                        state[producer] = .inProgress
                        stack.append((producer, 0))
                    }
                } else {
                    state[top.node] = .placed
                    order.append(nodes[top.node])
                    stack.removeLast()
                }
            }
        }
        return order
    }

    private enum VisitState {
        case unvisited, inProgress, placed
    }

    /// The nodes of `graph` whose outputs `node` needs, directly or through its subgraphs.
    private static func dependencies(of node: Node, in graph: Graph) -> [Node] {
        var values: [Value] = node.inputs.compactMap { $0 }
        for subgraph in node.subgraphs { collectCaptures(of: subgraph, into: &values) }
        return values.compactMap { value in
            guard let producer = value.producer, producer.graph === graph else { return nil }
            return producer
        }
    }

    /// Every value a nested graph reads or outputs; the caller keeps those defined outside it.
    private static func collectCaptures(of graph: Graph, into values: inout [Value]) {
        values.append(contentsOf: graph.outputs)
        for node in graph.nodes {
            values.append(contentsOf: node.inputs.compactMap { $0 })
            for subgraph in node.subgraphs { collectCaptures(of: subgraph, into: &values) }
        }
    }
}

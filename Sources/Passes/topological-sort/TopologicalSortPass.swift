import OnnxIR

/// Orders the nodes of every graph so each comes after the nodes it depends on, moving as few as possible.
///
/// The sort is stable: nodes keep their relative order except that a node
/// placed too late moves up to just before the first node that needs it, so an
/// already valid order is kept as it is. A node depends on the producers of its inputs and of every value its
/// subgraphs use or output from the graph around them (captures).
public struct TopologicalSortPass: Pass {
    /// `topological-sort`.
    public static let argument = "topological-sort"
    /// Walks If/Loop/Scan bodies.
    public static let subgraphReach = SubgraphReach.entersSubgraphs
    /// One line for `list-passes`.
    public static let summary =
        "Orders nodes so each follows the nodes it depends on (subgraph captures included), keeping valid order."

    /// Creates the pass; it takes no options.
    public init(options: [String: String]) throws {
        _ = try PassOptionReader(options, for: Self.self)
    }

    /// Sorts the main graph and every nested graph.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        let outcome: TopologicalOrder.Outcome
        do {
            outcome = try TopologicalOrder.sort(model.graph)
        } catch let cycle as TopologicalOrder.CycleError {
            throw PassError.cycle(pass: Self.argument, graph: cycle.graph, node: cycle.node)
        }
        return PassResult(
            changed: outcome.movedNodes > 0,
            statistics: ["moved-nodes": outcome.movedNodes, "reordered-graphs": outcome.reorderedGraphs])
    }
}

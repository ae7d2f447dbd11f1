import OnnxIR

/// Removes nodes that pass their input through unchanged: Identity, no-op Reshape and Cast, inference Dropout.
///
/// Readers of the removed node's output read its input instead. When that
/// output is a graph output its name is the model's interface, so the
/// producer of the input takes the output's name instead; when the input has
/// no producer node in the same graph (a graph input, an initializer, a value
/// of an outer graph) or is itself a graph output, the node stays.
public struct EliminateIdentityPass: Pass {
    /// `eliminate-identity`.
    public static let argument = "eliminate-identity"
    /// Walks If/Loop/Scan bodies.
    public static let subgraphReach = SubgraphReach.entersSubgraphs
    /// One line for `list-passes`.
    public static let summary =
        "Removes Identity, inference-mode Dropout, and Reshape or Cast nodes that do not change their input."

    /// Creates the pass; it takes no options.
    public init(options: [String: String]) throws {
        _ = try PassOptionReader(options, for: Self.self)
    }

    /// Removes pass-through nodes from the main graph and every nested graph.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        var sweep = IdentitySweep(
            opset: model.opsetVersion(for: "") ?? InferShapesPass.latestKnownOpset, remark: context.remark)
        try sweep.sweep(model.graph)
        var statistics = sweep.removed
        statistics["kept-for-graph-outputs"] = sweep.keptForOutputs
        return PassResult(changed: sweep.removed.values.reduce(0, +) > 0, statistics: statistics)
    }
}

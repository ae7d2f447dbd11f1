import OnnxIR

/// Removes nodes whose outputs nothing uses and initializers nothing reads, in every graph.
///
/// A node is dead when it has at least one output and none of its outputs is
/// used by a live node (in its graph or in a nested graph) or is an output of
/// any graph. Nodes without outputs are kept: they can only exist for an
/// effect this pass cannot see. Graph inputs are never removed, and neither
/// are initializers that training information binds by name. Function bodies
/// and training graphs are left as they are.
public struct EliminateDeadCodePass: Pass {
    /// `eliminate-dead-code`.
    public static let argument = "eliminate-dead-code"
    /// Walks If/Loop/Scan bodies.
    public static let subgraphReach = SubgraphReach.entersSubgraphs
    /// One line for `list-passes`.
    public static let summary =
        "Removes nodes whose outputs nothing uses and initializers nothing reads, in every graph."
    /// `initializers=true|false`.
    public static let options = [
        PassOption(
            name: "initializers", valueSyntax: "true|false", defaultValue: "true",
            summary: "Also remove initializers that no node reads (graph inputs are always kept).")
    ]

    private let removesInitializers: Bool

    /// Creates the pass from its options.
    public init(options: [String: String]) throws {
        let reader = try PassOptionReader(options, for: Self.self)
        removesInitializers = try reader.bool("initializers")
    }

    /// Removes dead nodes (and, unless disabled, unread initializers) from the main graph and its subgraphs.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        var sweep = DeadCodeSweep(
            removesInitializers: removesInitializers, protectedNames: Self.boundNames(model), remark: context.remark)
        try sweep.sweep(model.graph)
        sweep.reportNodesWithoutOutputs(in: model.graph)
        return PassResult(
            changed: sweep.removedNodes + sweep.removedInitializers > 0,
            statistics: ["removed-nodes": sweep.removedNodes, "removed-initializers": sweep.removedInitializers])
    }

    /// Initializer names training information refers to by name (which use lists cannot see).
    private static func boundNames(_ model: Model) -> Set<String> {
        var names = Set<String>()
        for info in model.trainingInfo {
            for entry in info.initializationBinding + info.updateBinding {
                names.insert(entry.key)
                names.insert(entry.value)
            }
        }
        return names
    }
}

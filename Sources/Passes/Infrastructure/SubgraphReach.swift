/// Whether a pass walks the bodies of If, Loop and Scan nodes (graph attributes) or only the main graph.
///
/// Every pass states it (`Pass.subgraphReach` has no default), docs/passes.md shows it under each pass, and
/// the pass manager says so when a main-graph-only pass runs on a model with bodies, so a body left as it was
/// is never a surprise.
public enum SubgraphReach: String, Sendable, CaseIterable {
    /// The pass treats the nodes and values of bodies (nested at any depth) as it treats the main graph's.
    case entersSubgraphs = "enters subgraphs"
    /// The pass reads and changes the main graph only; bodies are left exactly as they are.
    case mainGraphOnly = "main graph only"

    /// The sentence docs/passes.md shows.
    public var sentence: String {
        switch self {
        case .entersSubgraphs: return "Subgraphs: enters the bodies of If, Loop and Scan (at any depth)."
        case .mainGraphOnly: return "Subgraphs: main graph only; the bodies of If, Loop and Scan are left as they are."
        }
    }
}

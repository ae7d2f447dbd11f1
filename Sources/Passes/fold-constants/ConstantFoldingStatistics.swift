/// What one `fold-constants` run did, by kind.
struct ConstantFoldingStatistics {
    /// Nodes evaluated and replaced by initializers.
    var foldedNodes = 0
    /// Constant nodes turned into initializers.
    var constantNodes = 0
    /// Shape and Size nodes replaced from static types.
    var foldedShapes = 0
    /// Nodes left because a result would exceed `max-elements`.
    var tooLarge = 0
    /// Nodes with constant inputs the kernels could not evaluate (no kernel, or a kernel error).
    var unevaluated = 0
    /// Initializers and Constant nodes removed because only folded nodes read them.
    var removedConstants = 0

    /// Whether the model changed.
    var changed: Bool { foldedNodes + constantNodes + foldedShapes + removedConstants > 0 }

    /// The counters under their kebab-case names.
    var counters: [String: Int] {
        [
            "folded-nodes": foldedNodes, "constant-nodes": constantNodes, "folded-shapes": foldedShapes,
            "skipped-too-large": tooLarge, "unevaluated": unevaluated, "removed-constants": removedConstants,
        ]
    }
}

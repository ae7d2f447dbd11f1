import OnnxIR

/// Raises the default-domain opset to `to`, rewriting the ops whose signature or meaning changed on the way.
///
/// The work is `OpsetUpgrader.upgrade(_:to:)`. insert-qdq does not upgrade by itself: when the chosen
/// format needs a newer opset than the model has, it names this pass and the opset to add.
public struct UpgradeOpsetPass: Pass {
    /// `upgrade-opset`.
    public static let argument = "upgrade-opset"
    /// Walks If/Loop/Scan bodies.
    public static let subgraphReach = SubgraphReach.entersSubgraphs
    /// One line for `list-passes`.
    public static let summary =
        "Raises the default-domain opset, rewriting the ops whose signature or meaning changed (ONNX's version converter)."
    /// `to=<opset>`.
    public static let options = [
        PassOption(
            name: "to", valueSyntax: "<opset>", defaultValue: String(OpsetUpgrader.perAxisQuantizationOpset),
            summary:
                "The default-domain opset to reach (13 for per-axis Q/DQ, 19 for float8, 21 for int4/int16/blocks); never lowers it."
        )
    ]

    private let target: Int64

    /// Creates the pass from its options.
    public init(options: [String: String]) throws {
        let reader = try PassOptionReader(options, for: Self.self)
        let value = try reader.int("to")
        guard Int64(value) >= OpsetUpgrader.oldestSourceOpset, Int64(value) <= OpsetUpgrader.newestTargetOpset else {
            throw PassError.invalidOptionValue(
                pass: Self.argument, option: "to", value: String(value),
                expected: "an opset from \(OpsetUpgrader.oldestSourceOpset) to \(OpsetUpgrader.newestTargetOpset)")
        }
        target = Int64(value)
    }

    /// Converts the model; a model already at `to` or newer is left unchanged.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        let summary = try OpsetUpgrader.upgrade(model, to: target)
        if let from = summary.fromOpset, from > target {
            context.remark("upgrade-opset: the model is already at opset \(from), newer than \(target); left as it is")
        }
        return PassResult(changed: summary.changed, statistics: summary.statistics)
    }
}

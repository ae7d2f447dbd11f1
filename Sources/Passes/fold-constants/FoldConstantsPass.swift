import OnnxIR

/// Evaluates nodes whose inputs are all constant with the interpreter's kernels and stores the results.
///
/// Constant nodes become initializers; Shape and Size of a value whose type is
/// fully static become constants, so shape subgraphs on static shapes
/// collapse. No result may have more than `max-elements` elements, so folding
/// never blows a model up; nodes holding subgraphs and random ops are never
/// folded.
public struct FoldConstantsPass: Pass {
    /// `fold-constants`.
    public static let argument = "fold-constants"
    /// Walks If/Loop/Scan bodies.
    public static let subgraphReach = SubgraphReach.entersSubgraphs
    /// One line for `list-passes`.
    public static let summary =
        "Evaluates nodes whose inputs are all constant, turns Constant nodes into initializers, folds static shapes."
    /// `max-elements=<integer>`.
    public static let options = [
        PassOption(
            name: "max-elements", valueSyntax: "<integer>", defaultValue: "1048576",
            summary: "Leave a node alone when one of its results would have more elements than this.")
    ]

    private let maxElements: Int

    /// Creates the pass from its options.
    public init(options: [String: String]) throws {
        let reader = try PassOptionReader(options, for: Self.self)
        maxElements = try reader.int("max-elements")
        guard maxElements >= 0 else {
            throw PassError.invalidOptionValue(
                pass: Self.argument, option: "max-elements", value: String(maxElements),
                expected: "a non-negative integer")
        }
    }

    /// Folds the main graph and every nested graph.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        var folder = ConstantFolder(model: model, maxElements: maxElements, remark: context.remark)
        try folder.fold(model.graph)
        return PassResult(changed: folder.statistics.changed, statistics: folder.statistics.counters)
    }
}

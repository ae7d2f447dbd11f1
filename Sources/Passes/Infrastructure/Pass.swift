import OnnxIR

/// A transformation of a model, named by a kebab-case argument in pipelines.
///
/// A pass is configured once from its options and may then run on any number
/// of models: `run` must not keep state from one run to the next, which is
/// why it is not `mutating` and why conforming types should be structs of
/// `let` settings.
public protocol Pass {
    /// The kebab-case, verb-first name used in pipelines, e.g. `eliminate-dead-code`.
    static var argument: String { get }
    /// One line saying what the pass does.
    static var summary: String { get }
    /// The options the pass accepts, in the order `list-passes` shows them.
    static var options: [PassOption] { get }
    /// Whether the pass walks If/Loop/Scan bodies; deliberately without a default, so every pass states it.
    static var subgraphReach: SubgraphReach { get }

    /// Creates the pass from parsed pipeline options, rejecting unknown names and bad values.
    init(options: [String: String]) throws

    /// Runs on `model`, mutating it in place, and says whether anything changed.
    func run(on model: Model, context: PassContext) throws -> PassResult
}

extension Pass {
    /// No options by default.
    public static var options: [PassOption] { [] }
}

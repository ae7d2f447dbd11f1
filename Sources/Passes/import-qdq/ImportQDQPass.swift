import OnnxIR

/// Reads the QuantizeLinear/DequantizeLinear pairs a model already holds (a quantization-aware training
/// export, another tool's output), checks them, and takes them out, keeping their parameters for `insert-qdq`.
///
/// The rest of the pipeline then sees a float model: calibration measures what the pairs did not cover, and
/// `insert-qdq` places pairs where the target wants them, with the recorded parameters wherever one lands on a
/// tensor the model had quantized.
public struct ImportQDQPass: Pass {
    /// `import-qdq`.
    public static let argument = "import-qdq"
    /// Does not walk If/Loop/Scan bodies.
    public static let subgraphReach = SubgraphReach.mainGraphOnly
    /// One line for `list-passes`.
    public static let summary =
        "Checks the Q/DQ pairs a model already holds and takes them out, keeping their scales for insert-qdq."
    /// The options.
    public static let options: [PassOption] = [
        PassOption(
            name: "requantize", valueSyntax: "true|false", defaultValue: "false",
            summary: "Drop the model's scales (and accept inconsistent pairs): calibration decides every scale.")
    ]

    private let requantize: Bool

    /// Reads the options.
    public init(options: [String: String]) throws {
        requantize = try PassOptionReader(options, for: Self.self).bool("requantize")
    }

    /// Checks and removes every pair of the main graph; records the parameters in the session.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        var importer = QDQImporter(graph: model.graph, requantize: requantize, opset: model.opsetVersion(for: "") ?? 1)
        try importer.run()
        let statistics = importer.statistics
        let taken = statistics.values.reduce(0, +)
        guard taken > 0 else { return PassResult(changed: false, statistics: statistics) }
        context.session.foreignQuantization = importer.foreign
        let activations = statistics["activation-pairs"] ?? 0
        let constants = taken - activations
        context.remark(
            "import-qdq: took out \(activations) activation pairs and \(constants) quantized constants; "
                + (requantize
                    ? "their scales are dropped (requantize): calibration decides every scale"
                    : "\(importer.foreign.entries.count) tensors keep their scales where the target places a pair"))
        return PassResult(changed: true, statistics: statistics)
    }
}

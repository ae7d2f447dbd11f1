import OnnxIR

/// Infers element types and shapes (symbolic dimensions by name) and records them on the values.
///
/// Types are written into `Value.type`, and inferred intermediates are added
/// to the graph's `value_info` so dumps show them. A declared type is never
/// contradicted: inference only fills in what is unknown (an unknown
/// dimension becomes a name or a number, a name becomes a number), and a
/// provable contradiction is an error naming the node and the value.
public struct InferShapesPass: Pass {
    /// `infer-shapes`.
    public static let argument = "infer-shapes"
    /// Walks If/Loop/Scan bodies.
    public static let subgraphReach = SubgraphReach.entersSubgraphs
    /// One line for `list-passes`.
    public static let summary =
        "Infers element types and shapes (symbolic dimensions by name) and records them in value_info."

    /// The largest rank inferred from a declared length (a shape input typed `int64[k]`); a larger `k` is an
    /// error naming the input (docs/threat-model.md).
    ///
    /// Files may declare any length, and one entry per declared element would let a 100-byte model ask
    /// for terabytes. ONNX sets no rank limit; no engine runs tensors anywhere near this rank.
    public static let maximumRank = 1024

    /// Creates the pass; it takes no options.
    public init(options: [String: String]) throws {
        _ = try PassOptionReader(options, for: Self.self)
    }

    /// Infers the main graph and every nested graph, in node order.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        let inference = ShapeInference(opset: model.opsetVersion(for: "") ?? Self.latestKnownOpset)
        try inference.infer(model.graph)
        for remark in inference.remarks { context.remark("infer-shapes: \(remark)") }
        return PassResult(
            changed: inference.typedValues > 0,
            statistics: [
                "typed-values": inference.typedValues,
                "unknown-values": ShapeInference.unknownValues(in: model.graph),
            ])
    }

    /// The opset the rules assume when a model does not import the default domain.
    static let latestKnownOpset: Int64 = 23
}

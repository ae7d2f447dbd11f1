import OnnxIR

/// What downstream runtimes are known to get wrong in a QDQ model, told as notes when the model is written.
///
/// The model is right by the ONNX operator definitions in each case (the reference evaluator and qdqc's
/// interpreter agree); the note says which runtime optimization changes its meaning and how to turn it off.
public enum RuntimeCaveats {
    /// One note per caveat `model` meets; none for a model that meets none.
    public static func notes(for model: Model) -> [String] {
        var notes: [String] = []
        let relus = float8QuantizersReadingRelu(in: model.graph)
        if let first = relus.first {
            notes.append(
                "\(relus.count) FP8 QuantizeLinear node(s) read a Relu (first: '\(first)'); ONNX Runtime's CPU "
                    + "optimizer (ReluQuantRewrite, onnxruntime 1.32) removes such a Relu as if the pair clipped at "
                    + "0, which an FP8 pair does not: run this model in ONNX Runtime with "
                    + "disabled_optimizers=[\"ReluQuantRewrite\"] or at ORT_ENABLE_BASIC")
        }
        return notes
    }

    /// The FP8 element types, whose zero point (+0) is not the bottom of the pair's range.
    private static let float8Types: Set<DataType> = [.float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz]

    /// The QuantizeLinear nodes (by name, bodies included) that ONNX Runtime's `ReluQuantRewrite` matches with an
    /// FP8 zero point: the only reader of a Relu that is not a graph output, with a constant zero point.
    static func float8QuantizersReadingRelu(in graph: Graph) -> [String] {
        var names: [String] = []
        for node in graph.nodes {
            for body in node.subgraphs { names += float8QuantizersReadingRelu(in: body) }
            guard node.opType == "QuantizeLinear", node.inputs.count > 2,
                let zeroPoint = node.inputs[2]?.initializer, float8Types.contains(zeroPoint.dataType),
                let input = node.inputs[0], let relu = input.producer, relu.opType == "Relu",
                input.uses.count == 1, !graph.outputs.contains(where: { $0 === input })
            else { continue }
            names.append(node.displayName)
        }
        return names
    }
}

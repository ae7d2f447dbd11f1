/// How one of ONNX Runtime's QOperator ops reads as DequantizeLinear → float op → QuantizeLinear: which of its
/// inputs are (value, scale, zero point) triples, which are int32 biases, and where its output parameters are.
struct QOperatorForm {
    /// A quantized input: the indices of its value, scale and zero point.
    struct Triple {
        let value: Int
        let scale: Int
        let zeroPoint: Int
    }

    /// The float op the node computes.
    let floatOp: String
    /// The quantized inputs, in the float op's input order.
    let triples: [Triple]
    /// The int32 bias input (scale: the product of the first two triples' scales), when the op has one.
    let bias: Int?
    /// The output's scale and zero point indices; nil when the output is float (QGemm without `y_scale`).
    let output: (scale: Int, zeroPoint: Int)?
    /// Attributes of the QOperator node that the float op does not take.
    let droppedAttributes: Set<String>

    /// The forms qdqc converts, by (domain, op type); the domain "" is ONNX's.
    static func form(domain: String, opType: String, inputCount: Int) -> QOperatorForm? {
        let unary = [Triple(value: 0, scale: 1, zeroPoint: 2)]
        let binary = unary + [Triple(value: 3, scale: 4, zeroPoint: 5)]
        switch (domain, opType) {
        case ("", "QLinearConv"):
            return QOperatorForm(
                floatOp: "Conv", triples: binary, bias: inputCount > 8 ? 8 : nil, output: (6, 7), droppedAttributes: [])
        case ("", "QLinearMatMul"):
            return QOperatorForm(floatOp: "MatMul", triples: binary, bias: nil, output: (6, 7), droppedAttributes: [])
        case ("com.microsoft", "QGemm"):
            return QOperatorForm(
                floatOp: "Gemm", triples: binary, bias: inputCount > 6 ? 6 : nil, output: inputCount > 7 ? (7, 8) : nil,
                droppedAttributes: [])
        case ("com.microsoft", "QLinearAdd"):
            return QOperatorForm(floatOp: "Add", triples: binary, bias: nil, output: (6, 7), droppedAttributes: [])
        case ("com.microsoft", "QLinearMul"):
            return QOperatorForm(floatOp: "Mul", triples: binary, bias: nil, output: (6, 7), droppedAttributes: [])
        case ("com.microsoft", "QLinearSigmoid"):
            return QOperatorForm(floatOp: "Sigmoid", triples: unary, bias: nil, output: (3, 4), droppedAttributes: [])
        case ("com.microsoft", "QLinearLeakyRelu"):
            return QOperatorForm(floatOp: "LeakyRelu", triples: unary, bias: nil, output: (3, 4), droppedAttributes: [])
        case ("com.microsoft", "QLinearGlobalAveragePool"):
            return QOperatorForm(
                floatOp: "GlobalAveragePool", triples: unary, bias: nil, output: (3, 4),
                droppedAttributes: ["channels_last"])
        case ("com.microsoft", "QLinearAveragePool"):
            return QOperatorForm(
                floatOp: "AveragePool", triples: unary, bias: nil, output: (3, 4), droppedAttributes: ["channels_last"])
        case ("com.microsoft", "QLinearConcat"):
            // Y_scale, Y_zero_point, then one (X, X_scale, X_zero_point) triple per input.
            let count = max(0, (inputCount - 2) / 3)
            let triples = (0..<count).map { Triple(value: 2 + 3 * $0, scale: 3 + 3 * $0, zeroPoint: 4 + 3 * $0) }
            return QOperatorForm(floatOp: "Concat", triples: triples, bias: nil, output: (0, 1), droppedAttributes: [])
        default:
            return nil
        }
    }

    /// Integer-arithmetic ops without scales (dynamic quantization's building blocks): qdqc names them in its
    /// error instead of guessing the scales a later Mul applies.
    static let integerOps: Set<String> = ["MatMulInteger", "ConvInteger", "DynamicQuantizeLinear"]
}

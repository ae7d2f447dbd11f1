import OnnxIR
import Quantization

/// A float tensor `insert-qdq` will put a QuantizeLinear/DequantizeLinear pair on.
struct ActivationMark {
    /// Where the parameters come from.
    enum Source {
        /// The tensor's own range (calibrated, fixed, narrowed or overridden).
        case range
        /// The same parameters as another tensor (shape-only ops).
        case sameAs(Value)
    }

    /// The tensor.
    let value: Value
    /// The consumers (node, input index) that read the DequantizeLinear; ignored when `allUses`.
    var uses: [(node: Node, index: Int)]
    /// Whether every consumer (and, if the target allows, the graph output) reads the DequantizeLinear.
    var allUses: Bool
    /// The rule that first asked for the pair.
    var rule: String
    /// Where the parameters come from.
    var source: Source
    /// The parameters, once resolved.
    var params: QuantParams?
    /// The node of the input model whose parameters these are (`import-qdq`), when they were kept.
    var keptFrom: String? = nil
}

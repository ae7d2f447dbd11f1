import OnnxIR
import Quantization

/// A constant float tensor `insert-qdq` will replace by a quantized initializer and a DequantizeLinear.
struct WeightMark {
    /// The constant value.
    let value: Value
    /// Its data.
    let tensor: Tensor
    /// The scheme (format, symmetry, integer range).
    let scheme: QuantScheme
    /// The granularity.
    let granularity: QuantGranularity
    /// The consumers (node, input index) that read the DequantizeLinear.
    var uses: [(node: Node, index: Int)]
    /// The rule that asked for it.
    let rule: String
    /// The parameters, once computed (and raised for an int32 bias when the target wants it).
    var params: QuantParamSet?
    /// The node of the input model whose parameters these are (`import-qdq`), when they were kept.
    var keptFrom: String? = nil
}

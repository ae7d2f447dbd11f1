import OnnxIR

/// One quantized tensor of a switchable model: its Q/DQ stand-ins, each behind a `Where` its flag input selects.
struct SensitivitySite {
    /// The float model's name for the tensor (as `qdqc compare` names it).
    var tensor: String
    /// Activation or weight.
    var kind: TensorPairKind
    /// The float model's node that produces it (for a weight: its first consumer), and that node's op type.
    var node: String?
    /// The producing (or first consuming) node's op type.
    var opType: String
    /// Topological position of that node in the float graph.
    var position: Int
    /// The boolean graph input: true reads the DequantizeLinear output, false the float value.
    var flag: String
    /// The boolean graph input choosing, when `flag` is false, the 16-bit pair (true) or the float value (false);
    /// nil when the tensor has no 16-bit pair.
    var wideFlag: String?
    /// The boolean graph input choosing, when `flag` is true, the FP8 E4M3 pair (true) or the pipeline's own
    /// (false); nil when the tensor has no FP8 form (`Float8Step`).
    var float8Flag: String?
    /// Each `Where` node choosing between the two (one per DequantizeLinear of the tensor).
    var switches: [Node]
    /// The float value before quantization (the QuantizeLinear input, or the float weight).
    var floatSource: String
    /// The dequantized values (the DequantizeLinear outputs, renamed).
    var dequantized: [String]
    /// The float weight's elements (nil for an activation), to measure the tensor's own quantization noise.
    var floatWeight: [Float]?
    /// The bits per element of a weight's quantized codes as the pipeline stored them (4 for int4); nil for an
    /// activation.
    var storedBits: Int?
    /// A weight with no float counterpart (a pass rewrote it): not measured or raised, only moved to FP8 with
    /// its layer's other operands; its float branch is its own dequantized value.
    var float8Only = false
}

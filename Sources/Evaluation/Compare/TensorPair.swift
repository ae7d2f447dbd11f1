/// A tensor of the float model and the tensor of the quantized model that stands for it.
public struct TensorPair: Sendable, Equatable {
    /// The tensor's name in the float model.
    public var floatName: String
    /// The quantized model's tensor compared with it (usually a DequantizeLinear output).
    public var quantizedName: String
    /// The quantized model's tensor before quantization (the QuantizeLinear input), when there is one;
    /// comparing it with `quantizedName` isolates this tensor's own quantization noise.
    public var preQuantizedName: String?
    /// Activation, weight or graph output.
    public var kind: TensorPairKind
    /// The float model's node that produces the tensor (for a weight: its first consumer); nil for a graph input.
    public var nodeName: String?
    /// That node's op type; "input" for a graph input.
    public var opType: String
    /// The node's position in the float graph's topological order (0-based; -1 for a graph input).
    public var position: Int

    /// Creates a pair.
    public init(
        floatName: String, quantizedName: String, preQuantizedName: String?, kind: TensorPairKind,
        nodeName: String?, opType: String, position: Int
    ) {
        self.floatName = floatName
        self.quantizedName = quantizedName
        self.preQuantizedName = preQuantizedName
        self.kind = kind
        self.nodeName = nodeName
        self.opType = opType
        self.position = position
    }
}

/// How far one quantized tensor is from its float counterpart, over all compared samples.
public struct TensorComparison: Sendable, Equatable, Codable {
    /// The tensor's name in the float model.
    public var tensor: String
    /// The quantized model's tensor that stands for it.
    public var quantizedTensor: String
    /// Activation, weight or graph output.
    public var kind: TensorPairKind
    /// The float node that produces it (a weight's first consumer); nil for a graph input.
    public var node: String?
    /// That node's op type.
    public var opType: String
    /// Topological position of that node in the float graph (-1 for a graph input).
    public var position: Int
    /// Signal-to-quantization-noise ratio in dB (higher is better).
    public var sqnr: Double
    /// Cosine similarity of the float and quantized tensors.
    public var cosine: Double
    /// Largest absolute difference.
    public var maxAbsError: Double
    /// SQNR in dB of this tensor's own Q/DQ step (QuantizeLinear input vs DequantizeLinear output), when it has one.
    public var ownQuantizationSQNR: Double?
    /// Samples compared.
    public var samples: Int
    /// Elements compared per sample summed over samples.
    public var elements: Int
    /// Element pairs left out because one side was NaN or infinite.
    public var nonFiniteElements: Int
    /// Of those, the pairs where only the quantized side was (the SQNR is then `ErrorAccumulator.brokenSQNR`).
    public var brokenElements: Int

    /// Creates a row.
    public init(
        tensor: String, quantizedTensor: String, kind: TensorPairKind, node: String?, opType: String, position: Int,
        sqnr: Double, cosine: Double, maxAbsError: Double, ownQuantizationSQNR: Double?, samples: Int, elements: Int,
        nonFiniteElements: Int, brokenElements: Int = 0
    ) {
        self.tensor = tensor
        self.quantizedTensor = quantizedTensor
        self.kind = kind
        self.node = node
        self.opType = opType
        self.position = position
        self.sqnr = sqnr
        self.cosine = cosine
        self.maxAbsError = maxAbsError
        self.ownQuantizationSQNR = ownQuantizationSQNR
        self.samples = samples
        self.elements = elements
        self.nonFiniteElements = nonFiniteElements
        self.brokenElements = brokenElements
    }
}

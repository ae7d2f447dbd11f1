/// How much one quantized tensor matters to the model's outputs.
public struct TensorSensitivity: Sendable, Equatable, Codable {
    /// The tensor's name in the float model.
    public var tensor: String
    /// Activation or weight.
    public var kind: TensorPairKind
    /// The float model's node that produces it (for a weight: its first consumer).
    public var node: String?
    /// That node's op type.
    public var opType: String
    /// That node's position in the float graph's topological order.
    public var position: Int
    /// SQNR in dB of the tensor's own quantization (its dequantized value against its float value, with every
    /// other tensor float); nil when it could not be measured.
    public var ownSQNR: Double?
    /// The worst graph output's SQNR in dB with only this tensor quantized: how much it hurts alone.
    public var quantizedAloneSQNR: Double
    /// The worst graph output's SQNR in dB with everything but this tensor quantized.
    public var floatAloneSQNR: Double
    /// `floatAloneSQNR` minus the fully quantized model's worst output SQNR: what leaving it float gives back.
    public var gain: Double
    /// Both measures per graph output.
    public var outputs: [OutputSensitivity]
    /// The compute layers (Conv, ConvTranspose, MatMul, Gemm) that read the tensor: they run wide when it is.
    public var layers: [String]
    /// Their multiply-accumulates per sample (on the first sample's shapes).
    public var macs: Int
    /// The tensor's element count (a weight's size; an activation's on the first sample).
    public var elements: Int

    /// Creates the entry.
    public init(
        tensor: String, kind: TensorPairKind, node: String?, opType: String, position: Int, ownSQNR: Double?,
        quantizedAloneSQNR: Double, floatAloneSQNR: Double, gain: Double, outputs: [OutputSensitivity],
        layers: [String], macs: Int, elements: Int
    ) {
        self.tensor = tensor
        self.kind = kind
        self.node = node
        self.opType = opType
        self.position = position
        self.ownSQNR = ownSQNR
        self.quantizedAloneSQNR = quantizedAloneSQNR
        self.floatAloneSQNR = floatAloneSQNR
        self.gain = gain
        self.outputs = outputs
        self.layers = layers
        self.macs = macs
        self.elements = elements
    }
}

/// One graph output's SQNR with one tensor quantized alone, and with it alone left float.
public struct OutputSensitivity: Sendable, Equatable, Codable {
    /// The graph output.
    public var output: String
    /// SQNR in dB with only the tensor quantized.
    public var quantizedAloneSQNR: Double
    /// SQNR in dB with every tensor but this one quantized.
    public var floatAloneSQNR: Double

    /// Creates the entry.
    public init(output: String, quantizedAloneSQNR: Double, floatAloneSQNR: Double) {
        self.output = output
        self.quantizedAloneSQNR = quantizedAloneSQNR
        self.floatAloneSQNR = floatAloneSQNR
    }
}

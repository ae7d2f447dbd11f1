/// Everything `qdqc compare` measured: one row per matched tensor, worst SQNR first.
public struct ModelComparison: Sendable, Equatable, Codable {
    /// The float model as the user named it.
    public var floatModel: String
    /// The quantized model as the user named it.
    public var quantizedModel: String
    /// Where the samples came from.
    public var data: String
    /// Number of samples run through both models.
    public var samples: Int
    /// DequantizeLinear nodes of the quantized model whose float counterpart was not found.
    public var unmatchedDequantizeNodes: [String]
    /// Tensors SmoothQuant divided by `s` (metadata `qdqc.smooth_quant.rescaled`): their SQNR against the float
    /// model measures that division, so only their own quantization's SQNR means something. Worst own SQNR first.
    public var rescaledTensors: [TensorComparison]
    /// The rows, sorted by SQNR ascending (ties by position, then name), so the worst comes first.
    public var tensors: [TensorComparison]
    /// Both models' next-token perplexity (`--perplexity`); nil when not measured.
    public var perplexity: PerplexityComparison?
    /// Each quantized tensor's effect on the outputs (`--sensitivity`); nil when not measured.
    public var sensitivity: SensitivityReport?

    /// Creates a result; `tensors` are sorted worst first.
    public init(
        floatModel: String, quantizedModel: String, data: String, samples: Int, unmatchedDequantizeNodes: [String],
        rescaledTensors: [TensorComparison] = [], tensors: [TensorComparison], perplexity: PerplexityComparison? = nil
    ) {
        self.floatModel = floatModel
        self.quantizedModel = quantizedModel
        self.data = data
        self.samples = samples
        self.unmatchedDequantizeNodes = unmatchedDequantizeNodes
        self.rescaledTensors = rescaledTensors.sorted {
            ($0.ownQuantizationSQNR ?? .infinity, $0.position) < ($1.ownQuantizationSQNR ?? .infinity, $1.position)
        }
        self.tensors = tensors.sorted(by: Self.worseFirst)
        self.perplexity = perplexity
    }

    /// The graph-output rows, in the same worst-first order.
    public var outputs: [TensorComparison] { tensors.filter { $0.kind == .output } }

    static func worseFirst(_ a: TensorComparison, _ b: TensorComparison) -> Bool {
        if a.sqnr != b.sqnr { return a.sqnr < b.sqnr }
        if a.position != b.position { return a.position < b.position }
        return a.tensor < b.tensor
    }
}

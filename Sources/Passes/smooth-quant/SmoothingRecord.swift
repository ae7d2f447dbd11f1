/// What `smooth-quant` did to one activation and the weight layers reading it, for the report.
public struct SmoothingRecord: Sendable, Equatable, Codable {
    /// How the inverse factors `1/s` reached the graph.
    public enum Folding: String, Sendable, Equatable, Codable {
        /// Into a LayerNormalization's scale and bias.
        case layerNormalization = "layer-normalization"
        /// Into constant operands of a Mul, Div, Add or Sub chain before the layers.
        case constants
        /// Into the output channels of a MatMul, Gemm or Conv before the layers.
        case producerWeights = "producer-weights"
        /// Into a Mul inserted before the layers, since no producer could take them.
        case insertedMul = "inserted-mul"
        /// Nowhere: quantizing without smoothing was at least as good (alpha=auto only).
        case none
    }

    /// The smoothed activation (the layers' shared input).
    public var activation: String
    /// The weight layers reading it, by node name (or output name for unnamed nodes).
    public var layers: [String]
    /// The alpha used; nil when the activation was left unsmoothed.
    public var alpha: Double?
    /// Where `1/s` went.
    public var folding: Folding
    /// How many other readers of the activation got a Mul restoring the unscaled value.
    public var restoredReaders: Int
    /// How many nodes were copied so the layers read a smoothed copy of the producer while the other
    /// readers keep the original (a post-LN residual); nil when none.
    public var copiedNodes: Int?
    /// With alpha=auto: the relative squared output error of the W8A8 layers without smoothing.
    public var errorWithoutSmoothing: Double?
    /// With alpha=auto: the same error with the chosen alpha.
    public var errorWithSmoothing: Double?

    /// Creates a record.
    public init(
        activation: String, layers: [String], alpha: Double?, folding: Folding, restoredReaders: Int = 0,
        errorWithoutSmoothing: Double? = nil, errorWithSmoothing: Double? = nil
    ) {
        self.activation = activation
        self.layers = layers
        self.alpha = alpha
        self.folding = folding
        self.restoredReaders = restoredReaders
        self.errorWithoutSmoothing = errorWithoutSmoothing
        self.errorWithSmoothing = errorWithSmoothing
    }
}

/// What `--mixed-precision` did: which tensors it left wide, why, what that costs, and whether the target held.
public struct MixedPrecisionReport: Sendable, Equatable, Codable {
    /// The wider formats raised tensors get: 16-bit activation pairs where the target consumes them, int8
    /// weights for narrower ones, else float (their Q/DQ pair is removed).
    public var format: String
    /// Why 16-bit activations were not offered (the target takes none), nil when they were.
    public var formatNote: String? = nil
    /// The SQNR target in dB every graph output must reach (`--min-sqnr`); nil when only `--max-drop` was set.
    public var minSQNR: Double?
    /// The largest perplexity increase allowed, relative to the float model's (`--max-perplexity-increase`);
    /// nil when perplexity is not the target.
    public var maxPerplexityIncrease: Double? = nil
    /// The largest fraction allowed to be wide (`--max-wide-fraction`): of the compute layers' MACs, or of the
    /// weight bytes (`boundedBy`).
    public var maxWideFraction: Double
    /// What `maxWideFraction` bounds: `macs`, or `bytes` for a model whose only quantized tensors are weights.
    public var boundedBy: MixedPrecisionBound = .macs
    /// Whether the model found meets every target on the evaluation samples.
    public var reached: Bool
    /// Each graph output's SQNR before anything was raised.
    public var before: [ReportOutputSQNR]
    /// Each graph output's SQNR of the model written (or that would have been).
    public var after: [ReportOutputSQNR]
    /// The tensors raised, in the order they were tried and kept.
    public var raised: [RaisedTensor]
    /// Tensors with a gain that were not raised because the bound would have been exceeded.
    public var overBound: [String]
    /// The MACs per sample of the compute layers that run wide (a raised tensor is one of their operands).
    public var wideMACs: Int
    /// The MACs per sample of all compute layers.
    public var totalMACs: Int
    /// `wideMACs / totalMACs` (0 without compute layers).
    public var wideMACFraction: Double
    /// The bytes the raised weights take in float.
    public var wideWeightBytes: Int
    /// The bytes the raised weights' codes take as written (int8 1 per element, float 4).
    public var wideBytes = 0
    /// The bytes of every measured quantized weight's codes as written, raised or not (int4 ½ per element).
    public var weightBytes = 0
    /// `wideBytes / weightBytes` (0 without quantized weights): "bytes wide".
    public var wideByteFraction = 0.0
    /// The float model's next-token perplexity on the evaluation samples, when perplexity is the target.
    public var floatPerplexity: Double? = nil
    /// The quantized model's perplexity before anything was raised.
    public var perplexityBefore: Double? = nil
    /// The perplexity of the model written (or that would have been).
    public var perplexityAfter: Double? = nil
    /// What the best model found lacked, one sentence; nil when the targets were reached.
    public var lacking: String?

    /// Creates the report.
    public init(
        format: String, minSQNR: Double?, maxWideFraction: Double, reached: Bool, before: [ReportOutputSQNR],
        after: [ReportOutputSQNR], raised: [RaisedTensor], overBound: [String], wideMACs: Int, totalMACs: Int,
        wideWeightBytes: Int, lacking: String?
    ) {
        self.format = format
        self.minSQNR = minSQNR
        self.maxWideFraction = maxWideFraction
        self.reached = reached
        self.before = before
        self.after = after
        self.raised = raised
        self.overBound = overBound
        self.wideMACs = wideMACs
        self.totalMACs = totalMACs
        wideMACFraction = totalMACs > 0 ? Double(wideMACs) / Double(totalMACs) : 0
        self.wideWeightBytes = wideWeightBytes
        self.lacking = lacking
    }
}

/// One tensor `--mixed-precision` left wide (or moved to FP8).
public struct RaisedTensor: Sendable, Equatable, Codable {
    /// The tensor's name in the float model.
    public var tensor: String
    /// Activation or weight.
    public var kind: TensorPairKind
    /// What it was raised to: `wide` (an activation's 16-bit pair, a 4-bit weight's int8), `float`, or
    /// `float8` (an int8 pair moved to FP8 E4M3 with the other operands of its layers, `--mixed-fp8`).
    public var precision: SitePrecision
    /// Why: its gain as last measured — in dB, how much raising it alone lessens the outputs' summed shortfall
    /// below `--min-sqnr` (or lifts the worst output without one); with a perplexity target, in nats per token,
    /// how much it lowers the mean next-token negative log-likelihood (0.01: about 1% lower perplexity).
    public var gain: Double
    /// The MACs per sample of the compute layers reading it.
    public var macs: Int
    /// The worst graph output's SQNR once it (and those before it) were raised.
    public var worstSQNRAfter: Double
    /// The fraction of all MACs running wide once it was raised.
    public var wideMACFractionAfter: Double
    /// A weight's code bytes at its new precision (int8 1 per element, float 4); 0 for an activation.
    public var bytes = 0
    /// The fraction of the weight bytes stored wide once it was raised.
    public var wideByteFractionAfter = 0.0
    /// The perplexity once it (and those before it) were raised, with a perplexity target.
    public var perplexityAfter: Double? = nil
    /// For `float8`: the other tensors moved to FP8 in the same step (operands of the same layers), whose gain
    /// `gain` is; nil when it moved alone.
    public var together: [String]? = nil

    /// Creates the entry.
    public init(
        tensor: String, kind: TensorPairKind, precision: SitePrecision, gain: Double, macs: Int,
        worstSQNRAfter: Double, wideMACFractionAfter: Double
    ) {
        self.tensor = tensor
        self.kind = kind
        self.precision = precision
        self.gain = gain
        self.macs = macs
        self.worstSQNRAfter = worstSQNRAfter
        self.wideMACFractionAfter = wideMACFractionAfter
    }
}

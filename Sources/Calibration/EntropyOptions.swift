/// Settings of the entropy (KL divergence) method.
public struct EntropyOptions: Equatable, Sendable {
    /// Whose search to follow.
    public var variant: EntropyVariant
    /// Bins of the histogram the search runs on: over [-m, m] for ONNX Runtime (its `num_bins`),
    /// over [0, m] for TensorRT. The default is 2048 rather than ONNX Runtime's 128, with which
    /// its search has a single candidate and returns the min/max range.
    public var bins: Int
    /// Quantized bins a candidate window is merged into (ONNX Runtime's `num_quantized_bins`; 128 for int8 in TensorRT).
    public var quantizedBins: Int
    /// The histogram's grid. The default, `knownRange`, reproduces ONNX Runtime's thresholds but
    /// needs each tensor's magnitude from a min/max pass first (`ObserverConfiguration.needsKnownRange`);
    /// `streaming` needs one pass and no such input.
    public var grid: EntropyGrid
    /// Bins per sign of the streaming histogram (unused with a known range).
    public var histogramBins: Int

    /// Creates settings.
    public init(
        variant: EntropyVariant = .onnxRuntime, bins: Int = 2048, quantizedBins: Int = 128,
        grid: EntropyGrid = .knownRange, histogramBins: Int = StreamingHistogram.defaultBinsPerSide
    ) {
        self.variant = variant
        self.bins = bins
        self.quantizedBins = quantizedBins
        self.grid = grid
        self.histogramBins = histogramBins
    }

    /// Throws unless the bin counts are usable.
    func validate() throws {
        let method = CalibrationMethod.entropy.rawValue
        try HistogramOption.validate(bins, method: method, option: "bins")
        try HistogramOption.validate(histogramBins, method: method)
        guard quantizedBins >= 2 && quantizedBins <= bins else {
            throw CalibrationError.invalidOption(
                method: method, option: "quantized-bins", value: "\(quantizedBins)",
                expected: "an integer from 2 to bins (\(bins))")
        }
    }
}

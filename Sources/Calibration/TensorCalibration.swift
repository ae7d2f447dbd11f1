/// The calibration result for one tensor: the range to quantize with and what it was computed from.
///
/// `range` is always finite. A tensor that never had a finite value (empty, or all NaN/Inf)
/// gets [0, 0], and `QuantScheme.params` turns a zero-width range into scale 1 (zero point 0, or
/// the middle code when symmetric), so no zero or NaN scale reaches the model; `counts` says why.
public struct TensorCalibration: Equatable, Sendable {
    /// The range quantization should cover (after clipping, averaging or symmetrizing).
    public var range: CalibrationRange
    /// The smallest and largest finite value seen.
    public var observed: CalibrationRange
    /// How many batches and values of each kind were seen.
    public var counts: ValueCounts
    /// The histogram behind a percentile, entropy or MSE result.
    public var histogram: HistogramSummary?
    /// The KL divergence at the entropy method's chosen threshold.
    public var klDivergence: Double?
    /// The quantization mean squared error per value at the MSE method's chosen range.
    public var meanSquaredError: Double?
    /// Per-channel magnitudes, when they were requested for this tensor.
    public var channelAbsMax: ChannelAbsMax?
    /// Which method's range the auto method chose (nil for the other methods and in tables read back).
    public var autoChoice: CalibrationMethod?

    /// Creates a result.
    public init(
        range: CalibrationRange, observed: CalibrationRange, counts: ValueCounts, histogram: HistogramSummary? = nil,
        klDivergence: Double? = nil, meanSquaredError: Double? = nil, channelAbsMax: ChannelAbsMax? = nil
    ) {
        self.range = range
        self.observed = observed
        self.counts = counts
        self.histogram = histogram
        self.klDivergence = klDivergence
        self.meanSquaredError = meanSquaredError
        self.channelAbsMax = channelAbsMax
    }

    /// Whether at least one finite value was seen (otherwise `range` is the documented [0, 0]).
    public var hasFiniteValues: Bool { counts.finite > 0 }
}

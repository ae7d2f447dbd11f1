/// Settings of the percentile method.
public struct PercentileOptions: Equatable, Sendable {
    /// The percentile kept, in (0, 100]; ONNX Runtime's default is 99.999.
    public var percentile: Double
    /// Whether the percentile is of |x| (ONNX Runtime's default for this method), or cut
    /// `(100 - percentile) / 2` percent from each tail of x.
    public var symmetric: Bool
    /// Bins per sign of the streaming histogram.
    public var histogramBins: Int

    /// Creates settings; the defaults follow ONNX Runtime's `PercentileCalibrater`.
    public init(
        percentile: Double = 99.999, symmetric: Bool = true,
        histogramBins: Int = StreamingHistogram.defaultBinsPerSide
    ) {
        self.percentile = percentile
        self.symmetric = symmetric
        self.histogramBins = histogramBins
    }

    /// Throws unless the percentile is in (0, 100] and the bin count is accepted.
    func validate() throws {
        let method = CalibrationMethod.percentile.rawValue
        guard percentile > 0 && percentile <= 100 else {
            throw CalibrationError.invalidOption(
                method: method, option: "percentile", value: "\(percentile)", expected: "a number in (0, 100]")
        }
        try HistogramOption.validate(histogramBins, method: method)
    }
}

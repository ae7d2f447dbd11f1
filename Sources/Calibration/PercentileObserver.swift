/// The percentile method: a percentile of the values (or of their magnitudes) from a streaming histogram.
public struct PercentileObserver: Observer {
    /// The settings.
    public let options: PercentileOptions
    private var extremes = RunningExtremes()
    /// The histogram; public so tests and reports can see its size.
    public private(set) var histogram: StreamingHistogram

    /// Creates an observer; throws if the options are invalid.
    public init(options: PercentileOptions = PercentileOptions()) throws {
        try options.validate()
        self.options = options
        histogram = try StreamingHistogram(binsPerSide: options.histogramBins)
    }

    /// Adds one batch.
    public mutating func observe(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws {
        try ObservationShape.validate(shape, count: values.count)
        let scan = BatchScan(values)
        extremes.add(scan)
        histogram.add(values, scan: scan)
    }

    /// The percentile range, clipped to the observed values as ONNX Runtime clips it.
    public func result() throws -> TensorCalibration {
        let observed = extremes.range
        var range = observed
        if extremes.hasFiniteValues {
            if options.symmetric {
                let threshold = PercentileSearch.magnitudeQuantile(histogram, fraction: options.percentile / 100)
                range = observed.clipping(symmetricThreshold: Float(threshold))
            } else {
                let tail = (100 - options.percentile) / 200
                let low = PercentileSearch.signedQuantile(histogram, fraction: tail)
                let high = PercentileSearch.signedQuantile(histogram, fraction: 1 - tail)
                range = CalibrationRange(min: Float(low), max: Float(high)).clipped(to: observed)
            }
        }
        return TensorCalibration(
            range: range, observed: observed, counts: extremes.counts, histogram: HistogramSummary(histogram))
    }

    /// Extremes, counts and the histogram's counters.
    public var storedNumberCount: Int { 8 + histogram.storedCounterCount }
}

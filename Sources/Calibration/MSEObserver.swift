/// The MSE method: the clipping range that minimizes the quantization mean squared error for a format.
public struct MSEObserver: Observer {
    /// The settings.
    public let options: MSEOptions
    private var extremes = RunningExtremes()
    /// The histogram; public so tests and reports can see its size.
    public private(set) var histogram: StreamingHistogram

    /// Creates an observer; throws if the options are invalid.
    public init(options: MSEOptions = MSEOptions()) throws {
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

    /// The best range found; the observed range when every value is zero or none is finite.
    public func result() throws -> TensorCalibration {
        let observed = extremes.range
        var calibration = TensorCalibration(
            range: observed, observed: observed, counts: extremes.counts, histogram: HistogramSummary(histogram))
        if let choice = MSESearch.search(
            histogram, observed: observed, format: options.format, candidates: options.candidates)
        {
            calibration.range = choice.range
            calibration.meanSquaredError = choice.meanSquaredError
        }
        return calibration
    }

    /// Extremes, counts and the histogram's counters.
    public var storedNumberCount: Int { 8 + histogram.storedCounterCount }
}

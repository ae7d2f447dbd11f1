/// The MSE method: the clipping range that minimizes the quantization mean squared error for a scheme.
public struct MSEObserver: MergeableObserver {
    /// The settings.
    public let options: MSEOptions
    private var observation: HistogramObservation

    /// Creates an observer; throws if the options are invalid.
    public init(options: MSEOptions = MSEOptions()) throws {
        try options.validate()
        self.options = options
        observation = try HistogramObservation(binsPerSide: options.histogramBins)
    }

    /// The histogram; public so tests and reports can see its size.
    public var histogram: StreamingHistogram { observation.histogram }

    /// An observer that continues from saved state.
    init(options: MSEOptions, state: TensorCalibrationState) throws {
        try self.init(options: options)
        observation = try HistogramObservation(state: state)
    }

    /// The extremes and the histogram.
    var state: TensorCalibrationState { observation.state }

    /// Adds one batch.
    public mutating func observe(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws {
        try observation.add(values, shape: shape)
    }

    /// The best range found; the observed range when every value is zero or none is finite.
    public func result() throws -> TensorCalibration {
        var calibration = observation.observedResult
        if let choice = MSESearch.search(histogram, observed: calibration.observed, options: options) {
            calibration.range = choice.range
            calibration.meanSquaredError = choice.meanSquaredError
        }
        return calibration
    }

    /// Extremes, counts and the histogram's counters.
    public var storedNumberCount: Int { observation.storedNumberCount }
}

/// The MSE method: the clipping range that minimizes the quantization mean squared error for a scheme.
public struct MSEObserver: HistogramBackedObserver {
    /// The settings.
    public let options: MSEOptions
    /// The extremes and the histogram seen so far.
    var observation: HistogramObservation

    /// Creates an observer; throws if the options are invalid.
    public init(options: MSEOptions = MSEOptions()) throws {
        try options.validate()
        self.options = options
        observation = try HistogramObservation(binsPerSide: options.histogramBins)
    }

    /// An observer that continues from saved state.
    init(options: MSEOptions, state: TensorCalibrationState) throws {
        try self.init(options: options)
        observation = try HistogramObservation(state: state)
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
}

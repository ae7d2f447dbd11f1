/// The percentile method: a percentile of the values (or of their magnitudes) from a streaming histogram.
public struct PercentileObserver: HistogramBackedObserver {
    /// The settings.
    public let options: PercentileOptions
    /// The extremes and the histogram seen so far.
    var observation: HistogramObservation

    /// Creates an observer; throws if the options are invalid.
    public init(options: PercentileOptions = PercentileOptions()) throws {
        try options.validate()
        self.options = options
        observation = try HistogramObservation(binsPerSide: options.histogramBins)
    }

    /// An observer that continues from saved state.
    init(options: PercentileOptions, state: TensorCalibrationState) throws {
        try self.init(options: options)
        observation = try HistogramObservation(state: state)
    }

    /// The percentile range, clipped to the observed values as ONNX Runtime clips it.
    public func result() throws -> TensorCalibration {
        var calibration = observation.observedResult
        guard observation.extremes.hasFiniteValues else { return calibration }
        let observed = calibration.observed
        if options.symmetric {
            let threshold = PercentileSearch.magnitudeQuantile(histogram, fraction: options.percentile / 100)
            calibration.range = observed.clipping(symmetricThreshold: Float(threshold))
        } else {
            let tail = (100 - options.percentile) / 200
            let low = PercentileSearch.signedQuantile(histogram, fraction: tail)
            let high = PercentileSearch.signedQuantile(histogram, fraction: 1 - tail)
            calibration.range = CalibrationRange(min: Float(low), max: Float(high)).clipped(to: observed)
        }
        return calibration
    }
}

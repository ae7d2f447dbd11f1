/// The auto method: from one histogram, the minmax, percentile, entropy and MSE ranges, and per tensor the
/// one whose quantization error on the tensor's values is smallest (`AutoSelection`).
public struct AutoObserver: HistogramBackedObserver {
    /// The settings.
    public let options: AutoOptions
    /// The extremes and the histogram seen so far.
    var observation: HistogramObservation

    /// Creates an observer; throws if the options are invalid.
    public init(options: AutoOptions = AutoOptions()) throws {
        try options.validate()
        self.options = options
        observation = try HistogramObservation(binsPerSide: options.histogramBins)
    }

    /// An observer that continues from saved state (a streaming histogram, as percentile and MSE save).
    init(options: AutoOptions, state: TensorCalibrationState) throws {
        try self.init(options: options)
        guard state.streaming?.binsPerSide == options.histogramBins else {
            throw CalibrationError.badBatch(
                reason: "the saved state has no streaming histogram of \(options.histogramBins) bins per side")
        }
        observation = try HistogramObservation(state: state)
    }

    /// The chosen candidate's range, its error in `meanSquaredError` and its method in `autoChoice`.
    public func result() throws -> TensorCalibration {
        var calibration = observation.observedResult
        guard observation.extremes.hasFiniteValues, calibration.observed.absMax > 0 else {
            calibration.autoChoice = .minMax
            return calibration
        }
        let selection = AutoSelection(
            histogram: observation.histogram, observed: calibration.observed, options: options)
        guard let choice = selection.best else {
            calibration.autoChoice = .minMax
            return calibration
        }
        calibration.range = choice.range
        calibration.meanSquaredError = choice.meanSquaredError
        calibration.autoChoice = choice.method
        return calibration
    }
}

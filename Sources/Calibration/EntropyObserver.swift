/// The entropy method: the clipping threshold whose quantized histogram is closest, in KL divergence, to the original.
public struct EntropyObserver: MergeableObserver {
    /// The settings.
    public let options: EntropyOptions
    private var extremes = RunningExtremes()
    /// The histogram with the `streaming` grid (exactly one of the two is set).
    private var streaming: StreamingHistogram?
    /// The histogram with the `knownRange` grid.
    private var knownRange: FixedRangeHistogram?
    /// The magnitude the known-range histogram spans.
    private var knownAbsMax: Float?

    /// Creates an observer; with the `knownRange` grid, `knownAbsMax` (the largest finite
    /// magnitude the tensor will have, from an earlier min/max pass) is required.
    public init(options: EntropyOptions = EntropyOptions(), knownAbsMax: Float? = nil) throws {
        try options.validate()
        self.options = options
        switch options.grid {
        case .streaming:
            streaming = try StreamingHistogram(binsPerSide: options.histogramBins)
        case .knownRange:
            guard let magnitude = knownAbsMax, magnitude.isFinite, magnitude >= 0 else {
                throw CalibrationError.invalidOption(
                    method: CalibrationMethod.entropy.rawValue, option: "grid", value: options.grid.rawValue,
                    expected: "a known finite magnitude for the tensor (run a min/max pass first)")
            }
            self.knownAbsMax = magnitude
            let magnitudes = options.variant == .tensorRT
            knownRange = try FixedRangeHistogram(
                lower: magnitudes ? 0 : -magnitude, upper: magnitude, bins: options.bins, countsMagnitudes: magnitudes)
        }
    }

    /// An observer that continues from saved state, whose histogram must fit `options`.
    init(options: EntropyOptions, state: TensorCalibrationState) throws {
        try self.init(options: options, knownAbsMax: state.knownAbsMax)
        extremes = state.extremes
        switch (streaming, state.streaming, knownRange, state.knownRange) {
        case (let mine?, let saved?, nil, nil) where mine.binsPerSide == saved.binsPerSide:
            streaming = saved
        case (nil, nil, let mine?, let saved?)
        where mine.edges == saved.edges && mine.countsMagnitudes == saved.countsMagnitudes:
            knownRange = saved
        default:
            throw CalibrationError.badBatch(
                reason: "the saved histogram does not fit the grid \(options.grid.rawValue)")
        }
    }

    /// The extremes, the histogram and the known magnitude.
    var state: TensorCalibrationState {
        TensorCalibrationState(
            extremes: extremes, streaming: streaming, knownRange: knownRange,
            knownAbsMax: knownRange == nil ? nil : knownAbsMax)
    }

    /// Adds one batch.
    public mutating func observe(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws {
        try ObservationShape.validate(shape, count: values.count)
        let scan = BatchScan(values)
        extremes.add(scan)
        streaming?.add(values, scan: scan)
        knownRange?.add(values)
    }

    /// The threshold range, clipped to the observed values; the observed range when the search has no candidate.
    public func result() throws -> TensorCalibration {
        let observed = extremes.range
        let (binned, summary) = searchHistogram()
        var calibration = TensorCalibration(
            range: observed, observed: observed, counts: extremes.counts, histogram: summary)
        guard extremes.absMax > 0, let binned else { return calibration }
        let choice: EntropySearch.Choice?
        switch options.variant {
        case .onnxRuntime: choice = EntropySearch.onnxRuntime(binned, quantizedBins: options.quantizedBins)
        case .tensorRT: choice = EntropySearch.tensorRT(binned, quantizedBins: options.quantizedBins)
        }
        if let choice {
            calibration.range = CalibrationRange(min: Float(choice.lower), max: Float(choice.upper)).clipped(
                to: observed)
            calibration.klDivergence = choice.divergence
        }
        return calibration
    }

    /// The histogram in the shape the variant's search expects, and its summary.
    private func searchHistogram() -> (BinnedCounts?, HistogramSummary?) {
        if let histogram = streaming {
            let binned =
                options.variant == .onnxRuntime
                ? histogram.signedBins(binsPerSideNear: options.bins / 2)
                : histogram.magnitudeBins(near: options.bins)
            return (binned, HistogramSummary(histogram))
        }
        if let histogram = knownRange { return (histogram.binned, HistogramSummary(histogram)) }
        return (nil, nil)
    }

    /// Extremes, counts and the histogram's counters.
    public var storedNumberCount: Int {
        8 + (streaming?.storedCounterCount ?? 0) + (knownRange.map { 1 + $0.storedCounterCount } ?? 0)
    }
}

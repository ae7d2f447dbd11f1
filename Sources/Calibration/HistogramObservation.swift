/// Finite extremes, value counts and a streaming histogram of every batch: what the percentile and MSE
/// observers accumulate before their searches differ.
struct HistogramObservation {
    /// Extremes and counts over all batches.
    private(set) var extremes = RunningExtremes()
    /// The histogram of all finite values.
    private(set) var histogram: StreamingHistogram

    /// An empty observation with `binsPerSide` bins per sign; throws if the count is not accepted.
    init(binsPerSide: Int) throws {
        histogram = try StreamingHistogram(binsPerSide: binsPerSide)
    }

    /// An observation restored from saved state (which must hold a streaming histogram).
    init(state: TensorCalibrationState) throws {
        guard let histogram = state.streaming else {
            throw CalibrationError.badBatch(reason: "the saved state has no streaming histogram")
        }
        extremes = state.extremes
        self.histogram = histogram
    }

    /// The extremes and the histogram, as saved state.
    var state: TensorCalibrationState { TensorCalibrationState(extremes: extremes, streaming: histogram) }

    /// Adds one batch, after checking that `shape` describes it.
    mutating func add(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws {
        try ObservationShape.validate(shape, count: values.count)
        let scan = BatchScan(values)
        extremes.add(scan)
        histogram.add(values, scan: scan)
    }

    /// A result whose range is the observed one, with the counts and the histogram's summary; the
    /// searches narrow its range.
    var observedResult: TensorCalibration {
        let observed = extremes.range
        return TensorCalibration(
            range: observed, observed: observed, counts: extremes.counts, histogram: HistogramSummary(histogram))
    }

    /// Extremes, counts and the histogram's counters.
    var storedNumberCount: Int { 8 + histogram.storedCounterCount }
}

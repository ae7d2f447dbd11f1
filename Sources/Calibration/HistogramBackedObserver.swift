/// An observer that keeps one `HistogramObservation` (extremes and a streaming histogram) and computes its range
/// from it: percentile, MSE and auto differ only in `result()`, so they share how they observe, save and count.
protocol HistogramBackedObserver: MergeableObserver {
    /// The extremes and the histogram seen so far.
    var observation: HistogramObservation { get set }
}

extension HistogramBackedObserver {
    /// The extremes and the histogram.
    var state: TensorCalibrationState { observation.state }

    /// The histogram; public so tests and reports can see its size.
    public var histogram: StreamingHistogram { observation.histogram }

    /// Adds one batch.
    public mutating func observe(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws {
        try observation.add(values, shape: shape)
    }

    /// Extremes, counts and the histogram's counters.
    public var storedNumberCount: Int { observation.storedNumberCount }
}

/// The min/max method: finite extremes over all batches, or their average over batches.
public struct MinMaxObserver: MergeableObserver {
    /// The settings.
    public let options: MinMaxOptions
    private var extremes = RunningExtremes()
    /// Batches that had a finite value, the only ones that take part in averaging.
    private var averagedBatches = 0
    /// Sums of the per-batch extremes (`.mean`) or the running averages (`.exponential`).
    private var averagedMinimum = 0.0
    private var averagedMaximum = 0.0

    /// Creates an observer; throws if the options are invalid.
    public init(options: MinMaxOptions = MinMaxOptions()) throws {
        try options.validate()
        self.options = options
    }

    /// An observer that continues from saved state; only `averaging=none` can be saved (see `state`).
    init(options: MinMaxOptions, state: TensorCalibrationState) throws {
        try self.init(options: options)
        extremes = state.extremes
    }

    /// The extremes and counts. Averaged ranges are not part of it: an exponential average depends on the
    /// batch order by definition, and a mean's floating-point sum on its order of summation, so
    /// `ObserverConfiguration.checkMergeable()` refuses both before a run.
    var state: TensorCalibrationState { TensorCalibrationState(extremes: extremes) }

    /// Adds one batch.
    public mutating func observe(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws {
        try ObservationShape.validate(shape, count: values.count)
        let scan = BatchScan(values)
        extremes.add(scan)
        guard scan.hasFiniteValues else { return }
        let (low, high) = (Double(scan.minimum), Double(scan.maximum))
        switch options.averaging {
        case .none:
            break
        case .mean:
            averagedMinimum += low
            averagedMaximum += high
        case .exponential(let constant):
            if averagedBatches == 0 {
                (averagedMinimum, averagedMaximum) = (low, high)
            } else {
                averagedMinimum += constant * (low - averagedMinimum)
                averagedMaximum += constant * (high - averagedMaximum)
            }
        }
        averagedBatches += 1
    }

    /// The range: extremes or averages, made symmetric if asked.
    public func result() throws -> TensorCalibration {
        var range = extremes.range
        if averagedBatches > 0 {
            switch options.averaging {
            case .none:
                break
            case .mean:
                let count = Double(averagedBatches)
                range = CalibrationRange(min: Float(averagedMinimum / count), max: Float(averagedMaximum / count))
            case .exponential:
                range = CalibrationRange(min: Float(averagedMinimum), max: Float(averagedMaximum))
            }
        }
        if options.symmetric {
            let magnitude = range.absMax
            range = CalibrationRange(min: -magnitude, max: magnitude)
        }
        return TensorCalibration(range: range, observed: extremes.range, counts: extremes.counts)
    }

    /// Extremes, counts and two accumulators.
    public var storedNumberCount: Int { 10 }
}

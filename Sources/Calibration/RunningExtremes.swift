/// Finite extremes and value counts over all batches so far.
struct RunningExtremes: Equatable {
    /// Counts over all batches.
    private(set) var counts = ValueCounts()
    /// The smallest finite value so far; +Inf when there is none.
    private(set) var minimum = Float.infinity
    /// The largest finite value so far; -Inf when there is none.
    private(set) var maximum = -Float.infinity

    /// Empty extremes: no value seen.
    init() {}

    /// Extremes restored from saved calibration state; `minimum`/`maximum` are ±Inf when `counts.finite` is 0.
    init(counts: ValueCounts, minimum: Float, maximum: Float) {
        self.counts = counts
        self.minimum = minimum
        self.maximum = maximum
    }

    /// Folds in the extremes of other batches: the same as having added their scans here, in any order.
    mutating func merge(_ other: RunningExtremes) {
        counts.add(other.counts)
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
    }

    /// Adds one batch's scan.
    mutating func add(_ scan: BatchScan) {
        counts.add(scan.counts)
        if scan.hasFiniteValues {
            minimum = min(minimum, scan.minimum)
            maximum = max(maximum, scan.maximum)
        }
    }

    /// Whether any finite value was seen.
    var hasFiniteValues: Bool { counts.finite > 0 }

    /// [min, max] of the finite values, or [0, 0] when there were none.
    var range: CalibrationRange {
        hasFiniteValues ? CalibrationRange(min: minimum, max: maximum) : .zero
    }

    /// The largest finite magnitude; 0 when there is none.
    var absMax: Float { hasFiniteValues ? max(-minimum, maximum) : 0 }
}

/// One pass over a batch: finite extremes and the count of each kind of value.
struct BatchScan {
    /// Counts for this batch (`batches` is 1).
    private(set) var counts = ValueCounts(batches: 1)
    /// The smallest finite value; +Inf when there is none.
    private(set) var minimum = Float.infinity
    /// The largest finite value; -Inf when there is none.
    private(set) var maximum = -Float.infinity
    /// Values equal to zero (either sign).
    private(set) var zeros = 0

    /// Scans `values`.
    init(_ values: UnsafeBufferPointer<Float>) {
        var finite = 0
        var nan = 0
        var positiveInfinity = 0
        var negativeInfinity = 0
        var zeros = 0
        var low = Float.infinity
        var high = -Float.infinity
        for value in values {
            if value.isFinite {
                finite += 1
                if value == 0 { zeros += 1 }
                if value < low { low = value }
                if value > high { high = value }
            } else if value.isNaN {
                nan += 1
            } else if value > 0 {
                positiveInfinity += 1
            } else {
                negativeInfinity += 1
            }
        }
        counts = ValueCounts(
            batches: 1, finite: finite, nan: nan, positiveInfinity: positiveInfinity,
            negativeInfinity: negativeInfinity)
        minimum = low
        maximum = high
        self.zeros = zeros
    }

    /// Whether the batch held at least one finite value.
    var hasFiniteValues: Bool { counts.finite > 0 }

    /// The largest finite magnitude; 0 when there is none.
    var absMax: Float { hasFiniteValues ? max(-minimum, maximum) : 0 }
}

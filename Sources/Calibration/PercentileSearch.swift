/// Percentiles read from a `StreamingHistogram`, defined as numpy's default (linear) percentile is.
///
/// numpy sorts the `n` values and interpolates between the order statistics around rank
/// `(n - 1)·p`. Here the `c` values of a bin `[a, b)` are taken to sit at
/// `a + (j + 0.5)/c·(b - a)`, `j = 0..<c` (exact zeros at 0), so every order statistic is known
/// to within half a bin and the percentile follows numpy's to within half a bin width, even in
/// sparse tails. ONNX Runtime instead returns the lower edge of the bin where the cumulative
/// fraction reaches `p` (rank `n·p`), up to one bin and one order statistic away.
enum PercentileSearch {
    /// One stretch of the distribution: `count` values spread evenly over `[lower, upper]`.
    private struct Segment {
        var lower: Double
        var upper: Double
        var count: UInt64
    }

    /// The magnitude below which `fraction` of the values' magnitudes lie.
    static func magnitudeQuantile(_ histogram: StreamingHistogram, fraction: Double) -> Double {
        let width = histogram.binWidth
        var segments = [Segment(lower: 0, upper: 0, count: histogram.zeros)]
        for index in 0..<histogram.binsPerSide {
            var count = histogram.positive[index] &+ histogram.negative[index]
            if index == 0 { count &-= histogram.zeros }
            if count != 0 {
                segments.append(Segment(lower: Double(index) * width, upper: Double(index + 1) * width, count: count))
            }
        }
        return quantile(segments, fraction: fraction)
    }

    /// The value below which `fraction` of the values lie.
    static func signedQuantile(_ histogram: StreamingHistogram, fraction: Double) -> Double {
        let width = histogram.binWidth
        var segments: [Segment] = []
        for index in stride(from: histogram.binsPerSide - 1, through: 0, by: -1) where histogram.negative[index] != 0 {
            segments.append(
                Segment(
                    lower: -Double(index + 1) * width, upper: -Double(index) * width, count: histogram.negative[index]))
        }
        segments.append(Segment(lower: 0, upper: 0, count: histogram.zeros))
        for index in 0..<histogram.binsPerSide {
            let count = index == 0 ? histogram.positive[0] &- histogram.zeros : histogram.positive[index]
            if count != 0 {
                segments.append(Segment(lower: Double(index) * width, upper: Double(index + 1) * width, count: count))
            }
        }
        return quantile(segments, fraction: fraction)
    }

    /// numpy's linear interpolation between the order statistics around rank `(n - 1)·fraction`.
    private static func quantile(_ segments: [Segment], fraction: Double) -> Double {
        let total = segments.reduce(0.0) { $0 + Double($1.count) }
        guard total > 0 else { return 0 }
        let rank = min(max(fraction, 0), 1) * (total - 1)
        let lowerRank = rank.rounded(.down)
        let lower = value(atRank: lowerRank, segments)
        let upper = value(atRank: min(lowerRank + 1, total - 1), segments)
        return lower + (rank - lowerRank) * (upper - lower)
    }

    /// Where the order statistic of (0-based) rank `rank` sits, the values of each segment spread evenly over it.
    private static func value(atRank rank: Double, _ segments: [Segment]) -> Double {
        var below = 0.0
        for segment in segments where segment.count != 0 {
            let count = Double(segment.count)
            if rank < below + count {
                let position = (rank - below + 0.5) / count
                return segment.lower + position * (segment.upper - segment.lower)
            }
            below += count
        }
        return segments.last { $0.count != 0 }?.upper ?? 0
    }
}

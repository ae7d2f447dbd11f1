/// Percentiles read from a `StreamingHistogram`, interpolating linearly inside the bin where the cumulative count crosses.
///
/// Exact zeros are a point mass at 0 and the rest of a bin is spread evenly over it, so the
/// error is a fraction of one bin width, well below ONNX Runtime's, which returns the lower
/// edge of the crossing bin.
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

    /// The point where the cumulative count reaches `fraction` of the total, walking the ascending segments.
    private static func quantile(_ segments: [Segment], fraction: Double) -> Double {
        let total = segments.reduce(0.0) { $0 + Double($1.count) }
        let target = min(max(fraction, 0), 1) * total
        var below = 0.0
        for segment in segments where segment.count != 0 {
            let count = Double(segment.count)
            if below + count >= target {
                let inside = (target - below) / count
                return segment.lower + inside * (segment.upper - segment.lower)
            }
            below += count
        }
        return segments.last { $0.count != 0 }?.upper ?? 0
    }
}

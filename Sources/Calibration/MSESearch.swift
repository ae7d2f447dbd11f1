/// The clipping range with the smallest quantization mean squared error, judged on a histogram.
///
/// Each non-empty bin stands for its values at the bin centre (exact zeros at 0). Symmetric
/// formats try thresholds `t = absMax·k/candidates`, `k = 1...candidates`, over `[-t, t]`;
/// asymmetric ones scale the zero-including range `[min(lo,0), max(hi,0)]` by
/// `k/candidates`. Each candidate is fake-quantized with `QuantizationParameters`, so the
/// error is the one the inserted QuantizeLinear/DequantizeLinear pair will make. Ties keep
/// the wider range.
enum MSESearch {
    /// The chosen range and its mean squared error per value.
    struct Choice: Equatable {
        /// The range to quantize with.
        var range: CalibrationRange
        /// The mean squared error per value at that range.
        var meanSquaredError: Double
    }

    /// Searches `candidates` ranges for `format`; `observed` is the finite values' [min, max].
    static func search(
        _ histogram: StreamingHistogram, observed: CalibrationRange, format: QuantizationFormat, candidates: Int
    ) -> Choice? {
        let points = representatives(histogram)
        let total = points.reduce(0.0) { $0 + $1.weight }
        guard total > 0, observed.absMax > 0, candidates >= 1 else { return nil }
        var best: Choice?
        for step in 1...candidates {
            let fraction = Double(step) / Double(candidates)
            let range = candidateRange(observed: observed, format: format, fraction: fraction)
            guard let parameters = try? QuantizationParameters(range: range, format: format) else { continue }
            var error = 0.0
            for point in points {
                let difference = point.value - parameters.fakeQuantize(point.value, format: format)
                error += point.weight * difference * difference
            }
            let meanError = error / total
            if meanError <= (best?.meanSquaredError ?? .infinity) {
                best = Choice(range: range, meanSquaredError: meanError)
            }
        }
        return best
    }

    /// The candidate range at `fraction` of the full one.
    private static func candidateRange(
        observed: CalibrationRange, format: QuantizationFormat, fraction: Double
    ) -> CalibrationRange {
        if format.isSymmetric {
            return observed.clipping(symmetricThreshold: Float(Double(observed.absMax) * fraction))
        }
        return CalibrationRange(
            min: Float(Double(min(observed.min, 0)) * fraction), max: Float(Double(max(observed.max, 0)) * fraction))
    }

    /// Bin centres (zeros at 0) with their counts, for the non-empty bins.
    private static func representatives(_ histogram: StreamingHistogram) -> [(value: Double, weight: Double)] {
        let width = histogram.binWidth
        var points: [(value: Double, weight: Double)] = []
        if histogram.zeros != 0 { points.append((0, Double(histogram.zeros))) }
        for index in 0..<histogram.binsPerSide {
            let centre = (Double(index) + 0.5) * width
            let positive = index == 0 ? histogram.positive[0] &- histogram.zeros : histogram.positive[index]
            if positive != 0 { points.append((centre, Double(positive))) }
            if histogram.negative[index] != 0 { points.append((-centre, Double(histogram.negative[index]))) }
        }
        return points
    }
}

import Quantization

/// The clipping range with the smallest quantization mean squared error, judged on a histogram.
///
/// Each non-empty bin stands for its values at the bin centre (exact zeros at 0). Symmetric
/// schemes (and 8-bit floats) try thresholds `t = absMax·k/candidates`, `k = 1...candidates`,
/// over `[-t, t]`; asymmetric ones scale the zero-including range `[min(lo,0), max(hi,0)]` by
/// `k/candidates`. Each candidate gets its parameters from the scheme (`QuantScheme.params`) and
/// is round-tripped by `QuantizationRoundTrip`, so the error is the one the inserted
/// QuantizeLinear/DequantizeLinear pair will make. Ties keep the wider range.
enum MSESearch {
    /// The chosen range and its mean squared error per value.
    struct Choice: Equatable {
        /// The range to quantize with.
        var range: CalibrationRange
        /// The mean squared error per value at that range.
        var meanSquaredError: Double
    }

    /// Searches `options.candidates` ranges for `options.scheme`; `observed` is the finite values' [min, max].
    /// A candidate the scheme has no parameters for is skipped.
    static func search(_ histogram: StreamingHistogram, observed: CalibrationRange, options: MSEOptions) -> Choice? {
        let points = representatives(histogram)
        let total = points.weights.reduce(0, +)
        guard total > 0, observed.absMax > 0, options.candidates >= 1 else { return nil }
        var best: Choice?
        for step in 1...options.candidates {
            let fraction = Double(step) / Double(options.candidates)
            let range = candidateRange(observed: observed, symmetric: options.searchesSymmetrically, fraction: fraction)
            guard let meanError = meanSquaredError(points, range: range, scheme: options.scheme) else { continue }
            if meanError <= (best?.meanSquaredError ?? .infinity) {
                best = Choice(range: range, meanSquaredError: meanError)
            }
        }
        return best
    }

    /// The mean squared error per value of quantizing `points` with `range` under `scheme` (each point
    /// round-tripped as the inserted QuantizeLinear/DequantizeLinear pair does it); nil when the scheme has
    /// no parameters for the range.
    static func meanSquaredError(
        _ points: (values: [Float], weights: [Double]), range: CalibrationRange, scheme: QuantScheme
    ) -> Double? {
        let total = points.weights.reduce(0, +)
        guard total > 0, let params = try? scheme.params(rmin: range.min, rmax: range.max, tensor: ""),
            let restored = try? QuantizationRoundTrip.values(points.values, params: params)
        else { return nil }
        var error = 0.0
        for (index, value) in points.values.enumerated() {
            let difference = Double(value) - Double(restored[index])
            error += points.weights[index] * difference * difference
        }
        return error / total
    }

    /// The candidate range at `fraction` of the full one.
    private static func candidateRange(
        observed: CalibrationRange, symmetric: Bool, fraction: Double
    ) -> CalibrationRange {
        if symmetric {
            return observed.clipping(symmetricThreshold: Float(Double(observed.absMax) * fraction))
        }
        return CalibrationRange(
            min: Float(Double(min(observed.min, 0)) * fraction), max: Float(Double(max(observed.max, 0)) * fraction))
    }

    /// Bin centres (zeros at 0) with their counts, for the non-empty bins.
    static func representatives(_ histogram: StreamingHistogram) -> (values: [Float], weights: [Double]) {
        let width = histogram.binWidth
        var values: [Float] = []
        var weights: [Double] = []
        func append(_ value: Double, _ count: UInt64) {
            guard count != 0 else { return }
            values.append(Float(value))
            weights.append(Double(count))
        }
        append(0, histogram.zeros)
        for index in 0..<histogram.binsPerSide {
            let centre = (Double(index) + 0.5) * width
            append(centre, index == 0 ? histogram.positive[0] &- histogram.zeros : histogram.positive[index])
            append(-centre, histogram.negative[index])
        }
        return (values, weights)
    }
}

/// The auto method's choice for one tensor: the four methods' ranges, read from one histogram, scored by the
/// mean squared error their QuantizeLinear/DequantizeLinear round trip makes on the tensor's values.
///
/// Why this score: an activation's quantization error `e` reaches the model's outputs through the layers
/// after it, to first order as `J·e`; for errors uncorrelated across elements `E‖J·e‖² ≈ s·E[e²]`, with `s`
/// the tensor's sensitivity, the same for every candidate range of that tensor. So ranking one tensor's
/// candidates by `E[e²]` ranks them by the error they cause downstream, without running the model again.
/// The error counts both parts: rounding inside the range and clipping outside it (a clipped tail value
/// costs its full distance to the range's end), which is what the entropy method ignores when it clips
/// the tails that carry a model's answer. Candidates are tried widest-first (minmax, percentile, entropy,
/// mse) and a later one must be strictly better, so a tie keeps the wider range.
struct AutoSelection {
    /// One scored candidate.
    struct Candidate: Equatable {
        /// The method whose range this is.
        var method: CalibrationMethod
        /// The range.
        var range: CalibrationRange
        /// Its round-trip mean squared error per value on the histogram.
        var meanSquaredError: Double
    }

    /// Every candidate with a usable range, in the order they were tried.
    let candidates: [Candidate]

    /// Scores the four methods' ranges for a tensor with at least one non-zero finite value.
    init(histogram: StreamingHistogram, observed: CalibrationRange, options: AutoOptions) {
        var ranges: [(CalibrationMethod, CalibrationRange)] = [(.minMax, observed)]
        if options.percentile.symmetric {
            let threshold = PercentileSearch.magnitudeQuantile(histogram, fraction: options.percentile.percentile / 100)
            ranges.append((.percentile, observed.clipping(symmetricThreshold: Float(threshold))))
        } else {
            let tail = (100 - options.percentile.percentile) / 200
            let low = PercentileSearch.signedQuantile(histogram, fraction: tail)
            let high = PercentileSearch.signedQuantile(histogram, fraction: 1 - tail)
            ranges.append((.percentile, CalibrationRange(min: Float(low), max: Float(high)).clipped(to: observed)))
        }
        let binned = histogram.signedBins(binsPerSideNear: options.entropy.bins / 2)
        if let choice = EntropySearch.onnxRuntime(binned, quantizedBins: options.entropy.quantizedBins) {
            let range = CalibrationRange(min: Float(choice.lower), max: Float(choice.upper)).clipped(to: observed)
            ranges.append((.entropy, range))
        }
        if let choice = MSESearch.search(histogram, observed: observed, options: options.mse) {
            ranges.append((.mse, choice.range))
        }
        let points = MSESearch.representatives(histogram)
        candidates = ranges.compactMap { method, range in
            MSESearch.meanSquaredError(points, range: range, scheme: options.mse.scheme).map {
                Candidate(method: method, range: range, meanSquaredError: $0)
            }
        }
    }

    /// The candidate with the smallest error; the first tried (minmax) on ties; nil without a usable one.
    var best: Candidate? {
        candidates.reduce(nil) { best, candidate in
            guard let best, best.meanSquaredError <= candidate.meanSquaredError else { return candidate }
            return best
        }
    }
}

/// Checks of the bin-count options the histogram methods share.
enum HistogramOption {
    /// Throws unless `bins` is within `StreamingHistogram.binsPerSideLimits`.
    static func validate(_ bins: Int, method: String, option: String = "histogram-bins") throws {
        guard StreamingHistogram.binsPerSideLimits.contains(bins) else {
            let limits = StreamingHistogram.binsPerSideLimits
            throw CalibrationError.invalidOption(
                method: method, option: option, value: "\(bins)",
                expected: "an integer from \(limits.lowerBound) to \(limits.upperBound)")
        }
    }
}

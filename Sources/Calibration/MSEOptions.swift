import Quantization

/// Settings of the MSE method.
public struct MSEOptions: Equatable, Sendable {
    /// How a candidate range becomes a scale and zero point: the format, symmetry, integer range and
    /// minimum real range whose quantization error is minimized.
    public var scheme: QuantScheme
    /// How many candidate ranges are tried (evenly spaced fractions of the full range).
    public var candidates: Int
    /// Bins per sign of the streaming histogram.
    public var histogramBins: Int

    /// The default scheme: symmetric int8 over the full range [-128, 127].
    public static let defaultScheme = QuantScheme(format: .int8, symmetric: true)

    /// Creates settings.
    public init(
        scheme: QuantScheme = MSEOptions.defaultScheme, candidates: Int = 512,
        histogramBins: Int = StreamingHistogram.defaultBinsPerSide
    ) {
        self.scheme = scheme
        self.candidates = candidates
        self.histogramBins = histogramBins
    }

    /// The accepted candidate counts.
    public static let candidateLimits = 1...65536

    /// Whether candidates are symmetric thresholds `[-t, t]` rather than scaled `[lo, hi]` ranges:
    /// symmetric schemes, and 8-bit floats, which are always symmetric.
    var searchesSymmetrically: Bool { scheme.symmetric || scheme.format.isFloat8 }

    /// Throws unless the candidate and bin counts and the minimum real range are usable.
    func validate() throws {
        let method = CalibrationMethod.mse.rawValue
        guard Self.candidateLimits.contains(candidates) else {
            throw CalibrationError.invalidOption(
                method: method, option: "candidates", value: "\(candidates)",
                expected: "an integer from \(Self.candidateLimits.lowerBound) to \(Self.candidateLimits.upperBound)")
        }
        if let minRealRange = scheme.minRealRange, !(minRealRange.isFinite && minRealRange >= 0) {
            throw CalibrationError.invalidOption(
                method: method, option: "min-real-range", value: "\(minRealRange)",
                expected: "a finite number >= 0")
        }
        try HistogramOption.validate(histogramBins, method: method)
    }
}

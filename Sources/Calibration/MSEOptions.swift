/// Settings of the MSE method.
public struct MSEOptions: Equatable, Sendable {
    /// The format whose quantization error is minimized.
    public var format: QuantizationFormat
    /// How many candidate ranges are tried (evenly spaced fractions of the full range).
    public var candidates: Int
    /// Bins per sign of the streaming histogram.
    public var histogramBins: Int

    /// Creates settings.
    public init(
        format: QuantizationFormat = .int8Symmetric, candidates: Int = 512,
        histogramBins: Int = StreamingHistogram.defaultBinsPerSide
    ) {
        self.format = format
        self.candidates = candidates
        self.histogramBins = histogramBins
    }

    /// The accepted candidate counts.
    public static let candidateLimits = 1...65536

    /// Throws unless the candidate and bin counts are usable.
    func validate() throws {
        let method = CalibrationMethod.mse.rawValue
        guard Self.candidateLimits.contains(candidates) else {
            throw CalibrationError.invalidOption(
                method: method, option: "candidates", value: "\(candidates)",
                expected: "an integer from \(Self.candidateLimits.lowerBound) to \(Self.candidateLimits.upperBound)")
        }
        try HistogramOption.validate(histogramBins, method: method)
    }
}

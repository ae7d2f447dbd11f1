import Quantization

/// Settings of the auto method: the percentile, entropy and MSE candidates' own settings, and the
/// scheme every candidate's error is measured in (the MSE method's `format`, `symmetric`, `integer-range`).
public struct AutoOptions: Equatable, Sendable {
    /// The percentile candidate (its `histogram-bins` is the one histogram every candidate reads).
    public var percentile: PercentileOptions
    /// The entropy candidate, always on the streaming grid: auto makes one pass.
    public var entropy: EntropyOptions
    /// The MSE candidate, whose scheme also scores every candidate.
    public var mse: MSEOptions

    /// The formats auto scores on: 8-bit integers, the grid entropy's `quantized-bins` (128) and the percentile's
    /// default tail are made for; wider grids leave nothing worth clipping and float8 spaces its levels unevenly.
    public static let supportedFormats: [QuantFormat] = [.int8, .uint8]

    /// Creates settings; `histogramBins` is shared by all candidates.
    public init(
        percentile: Double = 99.999, symmetric: Bool = true, quantizedBins: Int = 128, entropyBins: Int = 2048,
        scheme: QuantScheme = MSEOptions.defaultScheme, candidates: Int = 512,
        histogramBins: Int = StreamingHistogram.defaultBinsPerSide
    ) {
        self.percentile = PercentileOptions(
            percentile: percentile, symmetric: symmetric, histogramBins: histogramBins)
        entropy = EntropyOptions(
            variant: .onnxRuntime, bins: entropyBins, quantizedBins: quantizedBins, grid: .streaming,
            histogramBins: histogramBins)
        mse = MSEOptions(scheme: scheme, candidates: candidates, histogramBins: histogramBins)
    }

    /// Bins per sign of the one streaming histogram.
    public var histogramBins: Int { mse.histogramBins }

    /// Throws unless every candidate's settings are valid and the format is one auto scores on.
    func validate() throws {
        guard Self.supportedFormats.contains(mse.scheme.format) else {
            throw CalibrationError.invalidOption(
                method: CalibrationMethod.auto.rawValue, option: "format", value: mse.scheme.format.rawValue,
                expected: Self.supportedFormats.map(\.rawValue).joined(separator: " or ")
                    + " (auto compares clipping ranges on an 8-bit grid; use --calib-method mse for other formats)")
        }
        try percentile.validate()
        try entropy.validate()
        try mse.validate()
    }
}

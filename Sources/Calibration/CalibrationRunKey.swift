/// What makes a calibration table reusable for a run: same model bytes, method, settings and sample count.
public struct CalibrationRunKey: Equatable, Sendable {
    /// SHA-256 of the model file, 64 lowercase hex digits.
    public var modelSHA256: String
    /// The method.
    public var method: CalibrationMethod
    /// Every setting, as `ObserverConfiguration.tableOptions` gives them (plus any the caller adds).
    public var options: [String: OptionValue]
    /// The number of calibration samples.
    public var sampleCount: Int

    /// Creates a key.
    public init(modelSHA256: String, method: CalibrationMethod, options: [String: OptionValue], sampleCount: Int) {
        self.modelSHA256 = modelSHA256
        self.method = method
        self.options = options
        self.sampleCount = sampleCount
    }

    /// The key of a run with `configuration` over `sampleCount` samples of the model whose hash is `modelSHA256`.
    public init(modelSHA256: String, configuration: ObserverConfiguration, sampleCount: Int) {
        self.init(
            modelSHA256: modelSHA256, method: configuration.method, options: configuration.tableOptions,
            sampleCount: sampleCount)
    }
}

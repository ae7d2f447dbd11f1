/// One check of the accuracy gate.
public struct ReportGateCheck: Sendable, Equatable, Codable {
    /// `min-sqnr` (one per graph output) or `max-drop`.
    public var check: String
    /// The graph output for `min-sqnr`; the metric command for `max-drop`.
    public var subject: String
    /// The measured value: the output's SQNR in dB, or the metric's drop (float − quantized).
    public var value: Double
    /// The bar: the lowest SQNR allowed, or the largest drop allowed.
    public var bar: Double
    /// Whether the value meets the bar.
    public var passed: Bool
    /// The metric's value on the float model (`max-drop` only).
    public var floatMetric: Double?
    /// The metric's value on the quantized model (`max-drop` only).
    public var quantizedMetric: Double?

    /// Creates a check.
    public init(
        check: String, subject: String, value: Double, bar: Double, passed: Bool, floatMetric: Double? = nil,
        quantizedMetric: Double? = nil
    ) {
        self.check = check
        self.subject = subject
        self.value = value
        self.bar = bar
        self.passed = passed
        self.floatMetric = floatMetric
        self.quantizedMetric = quantizedMetric
    }
}

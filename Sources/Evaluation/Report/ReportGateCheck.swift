/// One check of the accuracy gate.
public struct ReportGateCheck: Sendable, Equatable, Codable {
    /// `min-sqnr` (one per graph output), `max-drop` or `max-perplexity-increase`.
    public var check: String
    /// The graph output for `min-sqnr`; the metric command for `max-drop`; the token-id input for
    /// `max-perplexity-increase`.
    public var subject: String
    /// The measured value: the output's SQNR in dB, the metric's drop (float − quantized), or the
    /// perplexity's relative increase (quantized / float − 1).
    public var value: Double
    /// The bar: the lowest SQNR allowed, the largest drop allowed, or the largest relative increase allowed.
    public var bar: Double
    /// Whether the value meets the bar.
    public var passed: Bool
    /// The metric's value (`max-drop`) or the perplexity (`max-perplexity-increase`) of the float model.
    public var floatMetric: Double?
    /// The metric's value (`max-drop`) or the perplexity (`max-perplexity-increase`) of the quantized model.
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

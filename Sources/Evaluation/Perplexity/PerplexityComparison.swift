import Foundation

/// Next-token perplexity of a float model and of its quantized version over the same sequences.
public struct PerplexityComparison: Sendable, Equatable, Codable {
    /// The token-id input.
    public var tokens: String
    /// The float model's logits output.
    public var logits: String
    /// The quantized model's logits output (usually the same name).
    public var quantizedLogits: String
    /// Tokens at the start of each sequence that are not targets.
    public var promptTokens: Int
    /// The number of sequences (batch rows over all samples).
    public var sequences: Int
    /// The number of target tokens the perplexities average over.
    public var targetTokens: Int
    /// The float model's perplexity.
    public var float: Double
    /// The quantized model's perplexity.
    public var quantized: Double
    /// `quantized / float − 1`: 0.05 means the quantized model's perplexity is 5% higher.
    public var relativeIncrease: Double

    /// Creates the result from the two models' sums, which cover the same targets.
    public init(
        tokens: String, logits: String, quantizedLogits: String, promptTokens: Int, float: NextTokenLikelihood,
        quantized: NextTokenLikelihood
    ) {
        self.tokens = tokens
        self.logits = logits
        self.quantizedLogits = quantizedLogits
        self.promptTokens = promptTokens
        sequences = float.sequenceCount
        targetTokens = float.targetCount
        self.float = float.perplexity
        self.quantized = quantized.perplexity
        // exp(a)/exp(b) − 1 through expm1 of the mean difference: exact even when the two are very close.
        relativeIncrease = expm1(
            (quantized.negativeLogLikelihood - float.negativeLogLikelihood) / Double(max(float.targetCount, 1)))
    }

    /// One line: both perplexities, the increase and what they were measured on.
    public var summary: String {
        let quantizedName = quantizedLogits == logits ? "" : ", quantized '\(quantizedLogits)'"
        return "perplexity: float \(String(format: "%.2f", float)), quantized \(String(format: "%.2f", quantized)) "
            + "(\(String(format: "%+.2f", relativeIncrease * 100))%) over \(targetTokens) next tokens of "
            + "\(sequences) sequence(s) (token ids '\(tokens)', logits '\(logits)'\(quantizedName), "
            + "prompt tokens \(promptTokens))"
    }
}

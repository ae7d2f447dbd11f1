/// What next-token perplexity is measured on: the token-id input, the logits output and the prompt length.
///
/// The targets are `tokens[:, p:]`, each predicted by the logits one position earlier
/// (`logits[:, p-1:seq-1]`), where `p` is `promptTokens`: 1 scores every next token, a larger value
/// leaves out a fixed prompt (the Whisper decoder's four task tokens, say).
public struct PerplexitySettings: Sendable, Equatable {
    /// The default prompt length: every token but the first is a target.
    public static let defaultPromptTokens = 1

    /// The graph input holding the token ids, integers of shape `[batch, seq]`.
    public var tokens: String
    /// The graph output holding the logits `[batch, seq, vocabulary]`; nil picks the first floating-point output.
    public var logits: String?
    /// Tokens at the start of each sequence that are not targets (at least 1: the first token has no prediction).
    public var promptTokens: Int

    /// Creates the settings.
    public init(tokens: String, logits: String? = nil, promptTokens: Int = defaultPromptTokens) {
        self.tokens = tokens
        self.logits = logits
        self.promptTokens = promptTokens
    }

    /// What is wrong with these settings as the user gave them (flag names in the text); nil when nothing is.
    public var problem: String? {
        if tokens.isEmpty { return "--perplexity needs the name of the token-id input" }
        if promptTokens < 1 { return "--prompt-tokens must be at least 1 (the first token has no prediction)" }
        return nil
    }
}

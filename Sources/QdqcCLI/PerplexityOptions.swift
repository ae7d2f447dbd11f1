import ArgumentParser
import Evaluation

/// `--perplexity NAME [--prompt-tokens N] [--logits NAME]`: next-token perplexity of both models, for
/// `qdqc compare` and for convert's report and gate.
struct PerplexityOptions: ParsableArguments {
    @Option(
        name: .customLong("perplexity"),
        help: ArgumentHelp(
            "Also measure next-token perplexity of both models: INPUT is the integer token-id input "
                + "[batch, seq] whose next tokens are the targets; the logits are the first floating-point "
                + "output [batch, seq, vocabulary] (or --logits).",
            valueName: "input"))
    var tokens: String?

    @Option(
        name: .customLong("prompt-tokens"),
        help: ArgumentHelp(
            "With --perplexity: the first N tokens of each sequence are not targets (default 1: every next "
                + "token is).",
            valueName: "n"))
    var promptTokens: Int?

    @Option(
        name: .customLong("logits"),
        help: ArgumentHelp("With --perplexity: the graph output holding the logits.", valueName: "output"))
    var logits: String?

    /// The settings these flags give; nil without `--perplexity`.
    var settings: PerplexitySettings? {
        tokens.map {
            PerplexitySettings(
                tokens: $0, logits: logits, promptTokens: promptTokens ?? PerplexitySettings.defaultPromptTokens)
        }
    }

    mutating func validate() throws {
        guard let settings else {
            if promptTokens != nil { throw ValidationError("--prompt-tokens needs --perplexity INPUT") }
            if logits != nil { throw ValidationError("--logits needs --perplexity INPUT") }
            return
        }
        if let problem = settings.problem { throw ValidationError(problem) }
    }
}

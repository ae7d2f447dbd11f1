/// Why perplexity could not be measured, in one line naming the tensor and the model or data file.
public enum PerplexityError: Error, CustomStringConvertible, Equatable {
    /// `--perplexity NAME` is not an input of the model.
    case notAnInput(name: String, model: String, inputs: [String])
    /// `--logits NAME` is not an output of the model.
    case notAnOutput(name: String, model: String, outputs: [String])
    /// No floating-point graph output to take the logits from.
    case noFloatOutput(model: String)
    /// A sample lacks the token ids.
    case missingTokens(name: String, file: String)
    /// The token-id input is declared, or given, with an element type that is not an integer.
    case tokensNotIntegers(name: String, file: String, type: String)
    /// The token ids are not `[batch, seq]`.
    case tokensShape(name: String, file: String, shape: [Int])
    /// The sequences are not longer than the prompt, so nothing is left to predict.
    case promptTooLong(name: String, file: String, sequence: Int, promptTokens: Int)
    /// The logits are not `[batch, seq, vocabulary]`.
    case logitsRank(name: String, model: String, file: String, shape: [Int])
    /// The logits' batch and sequence sizes differ from the token ids'.
    case logitsShape(name: String, model: String, file: String, shape: [Int], tokens: String, tokensShape: [Int])
    /// The two models' logits have different vocabularies.
    case vocabularyMismatch(
        floatLogits: String, floatModel: String, floatVocabulary: Int, quantizedLogits: String,
        quantizedModel: String, quantizedVocabulary: Int)
    /// A target token id lies outside the logits' vocabulary.
    case tokenOutOfRange(name: String, file: String, token: Int64, index: [Int], logits: String, vocabulary: Int)
    /// The logits give a NaN or infinite log-likelihood.
    case nonFinite(logits: String, model: String, file: String)
    /// No sample was measured.
    case noSamples

    /// The message, naming the model or data file first.
    public var description: String {
        switch self {
        case .notAnInput(let name, let model, let inputs):
            return "\(model): --perplexity '\(name)' is not an input of the model (its inputs: "
                + "\(Self.list(inputs)))"
        case .notAnOutput(let name, let model, let outputs):
            return "\(model): --logits '\(name)' is not an output of the model (its outputs: \(Self.list(outputs)))"
        case .noFloatOutput(let model):
            return "\(model): no floating-point graph output to read the logits from (name one with --logits)"
        case .missingTokens(let name, let file):
            return "\(file): holds no token ids '\(name)'"
        case .tokensNotIntegers(let name, let file, let type):
            return "\(file): token ids '\(name)' are \(type), not integers"
        case .tokensShape(let name, let file, let shape):
            return "\(file): token ids '\(name)' have shape \(Self.shape(shape)), expected [batch, seq]"
        case .promptTooLong(let name, let file, let sequence, let promptTokens):
            return "\(file): token ids '\(name)' hold \(sequence) tokens per sequence, not more than "
                + "--prompt-tokens \(promptTokens): no token is left to predict"
        case .logitsRank(let name, let model, let file, let shape):
            return "\(file): logits '\(name)' of \(model) have shape \(Self.shape(shape)), expected "
                + "[batch, seq, vocabulary] (name the logits output with --logits)"
        case .logitsShape(let name, let model, let file, let shape, let tokens, let tokensShape):
            return "\(file): logits '\(name)' of \(model) have shape \(Self.shape(shape)), which does not match "
                + "token ids '\(tokens)' of shape \(Self.shape(tokensShape))"
        case .vocabularyMismatch(
            let floatLogits, let floatModel, let floatVocabulary, let quantizedLogits, let quantizedModel,
            let quantizedVocabulary):
            return "\(quantizedModel): logits '\(quantizedLogits)' have a vocabulary of \(quantizedVocabulary), "
                + "but logits '\(floatLogits)' of \(floatModel) have \(floatVocabulary)"
        case .tokenOutOfRange(let name, let file, let token, let index, let logits, let vocabulary):
            return "\(file): token ids '\(name)' hold \(token) at \(Self.shape(index)), outside the vocabulary "
                + "of logits '\(logits)' (0..<\(vocabulary))"
        case .nonFinite(let logits, let model, let file):
            return "\(file): logits '\(logits)' of \(model) give a NaN or infinite log-likelihood"
        case .noSamples:
            return "no sample to measure perplexity on"
        }
    }

    private static func shape(_ dims: [Int]) -> String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }

    private static func list(_ names: [String]) -> String { names.isEmpty ? "none" : names.joined(separator: ", ") }
}

/// The all-float outputs of each sample, kept between `SensitivityAnalysis.outputSQNR` calls on the same samples.
public final class SensitivityReferences {
    /// Output values by sample name, then output name.
    var outputs: [String: [String: [Float]]] = [:]
    /// The float model's next-token likelihood by sample name, when perplexity is measured.
    var likelihoods: [String: NextTokenLikelihood] = [:]

    /// Creates an empty cache.
    public init() {}
}

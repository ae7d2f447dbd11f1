/// The all-float outputs of each sample, kept between `SensitivityAnalysis.outputSQNR` calls on the same samples.
public final class SensitivityReferences {
    /// Output values by sample name, then output name.
    var outputs: [String: [String: [Float]]] = [:]

    /// Creates an empty cache.
    public init() {}
}

import ArgumentParser

/// `--symmetric-weights` or `--asymmetric-weights` (weight-only quantization).
enum WeightSymmetryFlag: String, EnumerableFlag {
    /// Zero point at the middle of the range.
    case symmetricWeights
    /// A zero point per block.
    case asymmetricWeights
}

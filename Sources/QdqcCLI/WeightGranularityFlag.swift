import ArgumentParser

/// `--per-channel` or `--per-tensor`.
enum WeightGranularityFlag: String, EnumerableFlag {
    /// One scale per output channel.
    case perChannel
    /// One scale per weight.
    case perTensor
}

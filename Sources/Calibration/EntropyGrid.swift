/// Where the entropy method's histogram range comes from.
public enum EntropyGrid: String, CaseIterable, Equatable, Sendable {
    /// A `StreamingHistogram` that grows with the data: one pass, any batch order, same result.
    case streaming
    /// A `FixedRangeHistogram` over [-m, m] for an m known in advance (a min/max pass first):
    /// ONNX Runtime's own grid, so its thresholds are reproduced, at the cost of a second pass.
    case knownRange = "known-range"
}

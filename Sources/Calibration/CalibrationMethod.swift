/// How an observer turns a tensor's values into a quantization range.
public enum CalibrationMethod: String, CaseIterable, Equatable, Sendable {
    /// The smallest and largest finite value (optionally averaged over batches).
    case minMax = "minmax"
    /// A percentile of the values, read from a histogram.
    case percentile
    /// The threshold whose quantized histogram has the smallest KL divergence from the original.
    case entropy
    /// The clipping range with the smallest quantization mean squared error for a target format.
    case mse
    /// Per tensor, whichever of the four ranges above (from one histogram) quantizes its values with the
    /// smallest mean squared error (`AutoSelection`).
    case auto
}

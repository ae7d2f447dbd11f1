/// How the min/max method combines batches.
public enum MinMaxAveraging: Equatable, Sendable {
    /// The extremes over all batches.
    case none
    /// The mean of each batch's extremes: what ONNX Runtime's MinMax calibrator computes with
    /// `moving_average=True` over one data reader (`np.nanmean` of the per-run minima and maxima).
    case mean
    /// An exponential moving average, `m ← m + constant·(batch − m)` starting from the first
    /// batch: ONNX Runtime's `merge_range` with `averaging_constant` (as PyTorch's
    /// MovingAverageMinMaxObserver), which depends on the batch order.
    case exponential(constant: Double)

    /// The name used in options and tables.
    public var name: String {
        switch self {
        case .none: return "none"
        case .mean: return "mean"
        case .exponential: return "exponential"
        }
    }
}

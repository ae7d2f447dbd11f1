/// Which engine's arithmetic turns ranges into scales and zero points.
public enum ScaleConvention: String, Sendable, Equatable {
    /// `QuantScheme.tensorRT`: symmetric, zero point 0, restricted signed range.
    case tensorRT
    /// `QuantScheme.onnxRuntime`: ONNX Runtime's `compute_scale_zp` and `get_qmin_qmax_for_qType`.
    case onnxRuntime
}

/// What to do when `bias / (inputScale * weightScale)` does not fit int32.
public enum BiasOverflowPolicy: Hashable, Sendable {
    /// Clip to the int32 range and report the clipped elements (ONNX Runtime's `quantize_bias_static`,
    /// which only logs a warning).
    case clip
    /// Throw `QuantizationError.biasOverflow`, so the caller can leave the bias (or the node) in float.
    case fail
}

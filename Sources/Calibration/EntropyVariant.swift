/// Which published KL-divergence threshold search the entropy method follows.
public enum EntropyVariant: String, CaseIterable, Equatable, Sendable {
    /// ONNX Runtime's `HistogramCollector.get_entropy_threshold`, quirks included (see docs/calibration.md).
    case onnxRuntime = "onnxruntime"
    /// NVIDIA's reference (pytorch-quantization's `_compute_amax_entropy`, the TensorRT calibrator's method) on |x|.
    case tensorRT = "tensorrt"
}

/// Why `correct-bias` cannot run; each message is one line naming what is wrong.
enum CorrectBiasError: Error, CustomStringConvertible {
    /// No calibration samples to measure the layers' inputs on.
    case noCalibrationData
    /// A layer's input arrived in a shape its weight cannot read.
    case inputShape(tensor: String, shape: [Int], channels: Int)
    /// The trial quantization added or removed layers, so the two models cannot be matched.
    case layersDiffer(original: Int, quantized: Int)

    var description: String {
        switch self {
        case .noCalibrationData:
            return
                "correct-bias needs calibration samples to measure the layers' inputs (--calib-data or --calib-random)"
        case .inputShape(let tensor, let shape, let channels):
            return "correct-bias: input '\(tensor)' has shape \(shape), which does not carry \(channels) input channels"
        case .layersDiffer(let original, let quantized):
            return "correct-bias: the trial quantization has \(quantized) Conv/Gemm/MatMul nodes, the model \(original)"
        }
    }
}

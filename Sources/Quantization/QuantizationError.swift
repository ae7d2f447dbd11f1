import OnnxIR

/// Why a quantization computation was refused; each case names the tensor (or operator) concerned.
public enum QuantizationError: Error, Equatable, CustomStringConvertible {
    /// A calibrated range with a NaN or infinite end.
    case nonFiniteRange(tensor: String, min: Float, max: Float)
    /// A NaN or infinite element where a finite value is required.
    case nonFiniteValue(tensor: String, index: Int, value: Float)
    /// An axis outside the tensor's rank.
    case invalidAxis(tensor: String, axis: Int, rank: Int)
    /// A block size that is not positive.
    case invalidBlockSize(tensor: String, blockSize: Int)
    /// A tensor whose element type this module does not quantize.
    case unsupportedDataType(tensor: String, dataType: DataType)
    /// A tensor whose shape or bytes do not fit together.
    case invalidTensor(tensor: String, reason: String)
    /// Scales or zero points that cannot be used (zero, negative, subnormal, wrong count, out of range).
    case invalidParameters(tensor: String, reason: String)
    /// A quantized bias value outside the int32 range, refused under `BiasOverflowPolicy.fail`.
    case biasOverflow(tensor: String, count: Int, firstIndex: Int, value: Float)
    /// A weight layout that the operator's signature does not allow.
    case invalidWeightLayout(op: String, reason: String)

    /// A one-line explanation that names the tensor.
    public var description: String {
        switch self {
        case .nonFiniteRange(let tensor, let min, let max):
            return "tensor '\(tensor)': range [\(min), \(max)] is not finite, cannot compute a scale"
        case .nonFiniteValue(let tensor, let index, let value):
            return "tensor '\(tensor)': element \(index) is \(value), cannot quantize a non-finite value"
        case .invalidAxis(let tensor, let axis, let rank):
            return "tensor '\(tensor)': axis \(axis) is out of range for rank \(rank)"
        case .invalidBlockSize(let tensor, let blockSize):
            return "tensor '\(tensor)': block size \(blockSize) must be positive"
        case .unsupportedDataType(let tensor, let dataType):
            return "tensor '\(tensor)': cannot quantize elements of type \(dataType) (float32 only)"
        case .invalidTensor(let tensor, let reason):
            return "tensor '\(tensor)': \(reason)"
        case .invalidParameters(let tensor, let reason):
            return "tensor '\(tensor)': invalid quantization parameters: \(reason)"
        case .biasOverflow(let tensor, let count, let firstIndex, let value):
            return "tensor '\(tensor)': \(count) bias value(s) overflow int32 with scale input*weight "
                + "(first: element \(firstIndex) = \(value))"
        case .invalidWeightLayout(let op, let reason):
            return "\(op) weight: \(reason)"
        }
    }
}

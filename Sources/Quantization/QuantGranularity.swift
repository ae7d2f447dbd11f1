/// How many scales a tensor gets: one, one per slice along an axis, or one per block along an axis.
public enum QuantGranularity: Hashable, Sendable {
    /// One scale and zero point for the whole tensor (QuantizeLinear opset 10).
    case perTensor
    /// One scale per index of `axis` (opset 13); a negative axis counts from the end.
    case perChannel(axis: Int)
    /// One scale per `blockSize` consecutive indices of `axis` (opset 21): the scale has the tensor's
    /// shape with `shape[axis]` replaced by `ceil(shape[axis] / blockSize)`.
    case perBlock(axis: Int, blockSize: Int)

    /// The quantization axis, if any (not normalized).
    public var axis: Int? {
        switch self {
        case .perTensor: return nil
        case .perChannel(let axis): return axis
        case .perBlock(let axis, _): return axis
        }
    }

    /// The block size, if blocked.
    public var blockSize: Int? {
        if case .perBlock(_, let blockSize) = self { return blockSize }
        return nil
    }
}

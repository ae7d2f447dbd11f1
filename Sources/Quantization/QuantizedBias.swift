import OnnxIR

/// A Conv/Gemm bias as int32 with scale `inputScale * weightScale` and zero point 0.
public struct QuantizedBias: Sendable {
    /// The int32 elements (`<name>_quantized`), the bias's shape, `raw_data`.
    public var bias: Tensor
    /// The float32 scale (`<name>_quantized_scale`): shape `[]` per tensor, `[C]` per channel.
    public var scale: Tensor
    /// The int32 zero point (`<name>_quantized_zero_point`), zeros, same shape as `scale`.
    public var zeroPoint: Tensor
    /// The scales, one per output channel (or one).
    public var scales: [Float]
    /// The DequantizeLinear `axis` attribute (the bias's last axis) when per channel, nil per tensor.
    public var axis: Int?
    /// Elements whose quotient fell outside int32 and were clipped (empty in the normal case).
    public var clippedIndices: [Int]

    /// Creates the value.
    public init(
        bias: Tensor, scale: Tensor, zeroPoint: Tensor, scales: [Float], axis: Int?, clippedIndices: [Int]
    ) {
        self.bias = bias
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.scales = scales
        self.axis = axis
        self.clippedIndices = clippedIndices
    }

    /// Whether any element was clipped.
    public var overflowed: Bool { !clippedIndices.isEmpty }
}

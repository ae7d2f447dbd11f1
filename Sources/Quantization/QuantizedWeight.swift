import OnnxIR

/// A weight turned into the three initializers a DequantizeLinear reads.
public struct QuantizedWeight: Sendable {
    /// The quantized elements (`<name>_quantized`), same shape as the float weight, `raw_data`.
    public var weight: Tensor
    /// The float32 scale (`<name>_scale`), shape `params.parameterShape`.
    public var scale: Tensor
    /// The zero point (`<name>_zero_point`) in the weight's type; all zeros for symmetric schemes, and
    /// then optional in the graph (`params.zeroPointsAreZero`).
    public var zeroPoint: Tensor
    /// The parameters used.
    public var params: QuantParamSet

    /// Creates the value.
    public init(weight: Tensor, scale: Tensor, zeroPoint: Tensor, params: QuantParamSet) {
        self.weight = weight
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.params = params
    }

    /// The DequantizeLinear `axis` attribute, nil per tensor.
    public var axis: Int? { params.axis }
    /// The DequantizeLinear `block_size` attribute, nil unless blocked.
    public var blockSize: Int? { params.blockSize }
}

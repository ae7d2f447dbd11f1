/// Where one operator type wants quantize/dequantize pairs under a target: a row of the target's table.
public struct OpPlacement: Sendable, Equatable {
    /// The inputs that get a pair (as activations, or as weights when `weightInput` names them and they
    /// are constant); nil means every float input.
    public var inputs: [Int]?
    /// The input that is a weight when constant (quantized initializer + DequantizeLinear, per channel).
    public var weightInput: Int?
    /// How to find the weight's channel axis.
    public var weightLayout: WeightLayoutRule?
    /// The bias input that becomes int32 with scale `s_input * s_weight` when the target wants it.
    public var biasInput: Int?
    /// Whether the float outputs get a pair too (ONNX Runtime fuses the output quantization).
    public var quantizeOutputs: Bool
    /// Whether the outputs reuse input 0's parameters instead of their own range, and only when input 0
    /// is already quantized (shape-only and order-preserving ops: Reshape, Transpose, MaxPool...).
    public var sharesInputParameters: Bool
    /// Inputs whose pairs share one scale (the union of their ranges), e.g. TensorRT's Concat.
    public var sharedScaleAcrossInputs: Bool
    /// Whether an input gets a pair only when no other consumer reads that tensor in float, unless another
    /// op already quantizes it (TensorRT's pooling: the engine fuses a QuantizeLinear into the producer only
    /// when nothing needs the float tensor, so otherwise the pair is a standalone kernel that the cheap op
    /// cannot repay, and only adds noise).
    public var quantizesOnlyUnsharedInputs: Bool

    /// Creates a row.
    public init(
        inputs: [Int]? = [0], weightInput: Int? = nil, weightLayout: WeightLayoutRule? = nil, biasInput: Int? = nil,
        quantizeOutputs: Bool = false, sharesInputParameters: Bool = false, sharedScaleAcrossInputs: Bool = false,
        quantizesOnlyUnsharedInputs: Bool = false
    ) {
        self.inputs = inputs
        self.weightInput = weightInput
        self.weightLayout = weightLayout
        self.biasInput = biasInput
        self.quantizeOutputs = quantizeOutputs
        self.sharesInputParameters = sharesInputParameters
        self.sharedScaleAcrossInputs = sharedScaleAcrossInputs
        self.quantizesOnlyUnsharedInputs = quantizesOnlyUnsharedInputs
    }
}

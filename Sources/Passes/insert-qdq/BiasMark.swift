import OnnxIR

/// A Conv/ConvTranspose/Gemm bias that becomes int32 with scale `s_input * s_weight`.
struct BiasMark {
    /// The constant bias value.
    let value: Value
    /// Its data.
    let tensor: Tensor
    /// The node and input index that read it.
    let node: Node
    /// The bias input index.
    let index: Int
    /// The activation whose scale is `s_input`.
    let input: Value
    /// The index of the weight's `WeightMark`.
    let weight: Int
}

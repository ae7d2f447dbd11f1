/// A legacy quantization annotation: the tensors holding one tensor's scale and zero point.
public struct TensorAnnotation: Hashable, Sendable {
    /// The annotated tensor's name.
    public var tensorName: String?
    /// Keys (`SCALE_TENSOR`, `ZERO_POINT_TENSOR`) and the tensors they name.
    public var quantParameterTensorNames: [KeyValue]

    /// Creates an annotation.
    public init(tensorName: String?, quantParameterTensorNames: [KeyValue]) {
        self.tensorName = tensorName
        self.quantParameterTensorNames = quantParameterTensorNames
    }
}

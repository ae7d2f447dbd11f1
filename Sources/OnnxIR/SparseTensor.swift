/// A sparse tensor in coordinate form, as ONNX's `SparseTensorProto`.
public struct SparseTensor: Sendable {
    /// The non-zero values (a 1-D tensor); its name names the sparse tensor.
    public var values: Tensor?
    /// Their indices: `[NNZ]` linearized or `[NNZ, rank]` coordinates.
    public var indices: Tensor?
    /// The dense shape.
    public var dims: [Int64]

    /// Creates a sparse tensor.
    public init(values: Tensor?, indices: Tensor?, dims: [Int64]) {
        self.values = values
        self.indices = indices
        self.dims = dims
    }

    /// The name, taken from `values`.
    public var name: String? { values?.name }
}

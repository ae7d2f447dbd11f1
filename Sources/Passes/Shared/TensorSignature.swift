import OnnxIR

/// What inference knows of a tensor: its element type and its dimensions, each possibly unknown.
struct TensorSignature: Equatable {
    /// The element type, nil when unknown.
    var elementType: DataType?
    /// The dimensions, nil when even the rank is unknown.
    var dimensions: [Dimension]?

    init(_ elementType: DataType?, _ dimensions: [Dimension]?) {
        self.elementType = elementType
        self.dimensions = dimensions
    }

    /// The signature of a tensor `type`, with dimensions ONNX files use for "unknown" (negative sizes,
    /// empty names) read as unknown; nil for other kinds of type.
    init?(_ type: ValueType?) {
        guard let type, case .tensor(let elementType, let shape) = type.kind else { return nil }
        self.elementType = elementType == .undefined ? nil : elementType
        self.dimensions = shape?.dimensions.map(DimensionMath.normalized)
    }

    /// The signature of a value: its declared type, else its initializer's.
    init?(of value: Value) {
        if let signature = TensorSignature(value.type) {
            self = signature
        } else if let tensor = value.initializer {
            self.init(tensor.dataType, tensor.dims.map { .known($0) })
        } else {
            return nil
        }
    }

    /// The rank, if known.
    var rank: Int? { dimensions?.count }

    /// The type to store in `Value.type`.
    var valueType: ValueType { ValueType(.tensor(elementType: elementType, shape: dimensions.map(Shape.init))) }

    /// Whether nothing at all is known.
    var isEmpty: Bool { elementType == nil && dimensions == nil }

    /// Whether the element type and every dimension are known numbers.
    var isFullyStatic: Bool {
        elementType != nil && (dimensions?.allSatisfy { $0.value != nil } ?? false)
    }
}

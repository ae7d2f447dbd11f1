import OnnxIR

/// What a model expects of one input: its name, element type and shape, each as far as the model says.
public struct InputSpec: Hashable, Sendable {
    /// The graph input's name.
    public var name: String
    /// The element type, nil when the model does not say.
    public var elementType: DataType?
    /// The shape, nil when the rank is unknown; symbolic and unknown dimensions accept any size.
    public var shape: Shape?

    /// Creates a spec.
    public init(name: String, elementType: DataType?, shape: Shape?) {
        self.name = name
        self.elementType = elementType
        self.shape = shape
    }

    /// The spec of graph input `value`, from its type annotation.
    public init(value: Value) {
        self.init(name: value.name, elementType: value.elementType, shape: value.type?.tensorShape)
    }
}

/// The type of a value: a tensor with an element type and maybe a shape, or a container.
///
/// Mirrors ONNX's `TypeProto`, including the ONNX-ML containers, so a model's
/// type annotations survive a read and a write unchanged. Absent fields stay nil.
public struct ValueType: Hashable, Sendable {
    /// The kinds of type ONNX knows.
    public indirect enum Kind: Hashable, Sendable {
        /// A dense tensor; a nil shape means the rank is unknown.
        case tensor(elementType: DataType?, shape: Shape?)
        /// A sparse tensor.
        case sparseTensor(elementType: DataType?, shape: Shape?)
        /// A sequence of values of one type.
        case sequence(ValueType?)
        /// A map from a scalar key type to values of one type.
        case map(keyType: DataType?, valueType: ValueType?)
        /// An optional value.
        case optional(ValueType?)
        /// A type named by a domain and name, opaque to ONNX.
        case opaque(domain: String?, name: String?)
        /// A `TypeProto` with no case set.
        case none
    }

    /// Which type it is.
    public var kind: Kind
    /// ONNX's optional semantic tag (`IMAGE`, `TEXT`, ...).
    public var denotation: String?

    /// Creates a type.
    public init(_ kind: Kind, denotation: String? = nil) {
        self.kind = kind
        self.denotation = denotation
    }

    /// A dense tensor type.
    public static func tensor(_ elementType: DataType, _ shape: Shape?) -> ValueType {
        ValueType(.tensor(elementType: elementType, shape: shape))
    }

    /// The element type if this is a dense tensor.
    public var tensorElementType: DataType? {
        if case .tensor(let elementType, _) = kind { return elementType }
        return nil
    }

    /// The shape if this is a dense tensor with a known rank.
    public var tensorShape: Shape? {
        if case .tensor(_, let shape) = kind { return shape }
        return nil
    }
}

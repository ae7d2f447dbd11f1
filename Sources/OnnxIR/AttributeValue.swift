/// The value of a node attribute, one case per `AttributeProto.AttributeType`.
public enum AttributeValue {
    /// A float.
    case float(Float)
    /// An integer.
    case int(Int64)
    /// A byte string (usually UTF-8 text).
    case string([UInt8])
    /// A tensor.
    case tensor(Tensor)
    /// A subgraph (If branches, Loop and Scan bodies).
    case graph(Graph)
    /// A sparse tensor.
    case sparseTensor(SparseTensor)
    /// A type.
    case type(ValueType)
    /// A list of floats.
    case floats([Float])
    /// A list of integers.
    case ints([Int64])
    /// A list of byte strings.
    case strings([[UInt8]])
    /// A list of tensors.
    case tensors([Tensor])
    /// A list of subgraphs.
    case graphs([Graph])
    /// A list of sparse tensors.
    case sparseTensors([SparseTensor])
    /// A list of types.
    case types([ValueType])
    /// A type with no value: a reference to a function's attribute, or a type qdqc does not know.
    case valueless(AttributeType)

    /// The attribute type this value has.
    public var attributeType: AttributeType {
        switch self {
        case .float: return .float
        case .int: return .int
        case .string: return .string
        case .tensor: return .tensor
        case .graph: return .graph
        case .sparseTensor: return .sparseTensor
        case .type: return .typeProto
        case .floats: return .floats
        case .ints: return .ints
        case .strings: return .strings
        case .tensors: return .tensors
        case .graphs: return .graphs
        case .sparseTensors: return .sparseTensors
        case .types: return .typeProtos
        case .valueless(let type): return type
        }
    }
}

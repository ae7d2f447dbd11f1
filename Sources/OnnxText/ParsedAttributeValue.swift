import OnnxIR

/// One attribute value as read, before it is combined into a list or checked against a declared type.
enum ParsedAttributeValue {
    case int(Int64)
    case float(Float)
    case string([UInt8])
    case tensor(Tensor)
    case graph(Graph)
    case type(ValueType)
    /// `@name`: the value of a function's attribute.
    case reference(String)

    /// The attribute type a single value of this kind has (`undefined` for a reference).
    var attributeType: AttributeType {
        switch self {
        case .int: return .int
        case .float: return .float
        case .string: return .string
        case .tensor: return .tensor
        case .graph: return .graph
        case .type: return .typeProto
        case .reference: return .undefined
        }
    }

    /// The value as a single attribute value; nil for a reference.
    var attributeValue: AttributeValue? {
        switch self {
        case .int(let value): return .int(value)
        case .float(let value): return .float(value)
        case .string(let value): return .string(value)
        case .tensor(let value): return .tensor(value)
        case .graph(let value): return .graph(value)
        case .type(let value): return .type(value)
        case .reference: return nil
        }
    }

    /// The element type of a list attribute type (`ints` → `int`); other types are returned as they are.
    static func elementType(of type: AttributeType) -> AttributeType {
        switch type {
        case .floats: return .float
        case .ints: return .int
        case .strings: return .string
        case .tensors: return .tensor
        case .graphs: return .graph
        case .sparseTensors: return .sparseTensor
        case .typeProtos: return .typeProto
        default: return type
        }
    }

    /// The empty value of a list attribute type, nil for a single-value type.
    static func emptyList(of type: AttributeType) -> AttributeValue? {
        switch type {
        case .floats: return .floats([])
        case .ints: return .ints([])
        case .strings: return .strings([])
        case .tensors: return .tensors([])
        case .graphs: return .graphs([])
        case .sparseTensors: return .sparseTensors([])
        case .typeProtos: return .types([])
        default: return nil
        }
    }

    /// The attribute type called `name` in the syntax (`ints`, `type_proto`, ...).
    static func attributeType(named name: String) -> AttributeType? {
        (1...14).lazy.map { AttributeType(rawValue: $0) }.first { $0.name == name }
    }

    /// Combines list elements into one list value; nil when they are of different kinds.
    ///
    /// Integers among floats become floats, as onnx's parser reads `[1, 2.5]`.
    static func list(_ values: [ParsedAttributeValue]) -> AttributeValue? {
        var ints: [Int64] = []
        var floats: [Float] = []
        var strings: [[UInt8]] = []
        var tensors: [Tensor] = []
        var graphs: [Graph] = []
        var types: [ValueType] = []
        for value in values {
            switch value {
            case .int(let int): ints.append(int); floats.append(Float(int))
            case .float(let float): floats.append(float)
            case .string(let string): strings.append(string)
            case .tensor(let tensor): tensors.append(tensor)
            case .graph(let graph): graphs.append(graph)
            case .type(let type): types.append(type)
            case .reference: return nil
            }
        }
        let count = values.count
        if ints.count == count { return .ints(ints) }
        if floats.count == count { return .floats(floats) }
        if strings.count == count { return .strings(strings) }
        if tensors.count == count { return .tensors(tensors) }
        if graphs.count == count { return .graphs(graphs) }
        if types.count == count { return .types(types) }
        return nil
    }
}

/// ONNX's `AttributeProto.AttributeType` number.
public struct AttributeType: RawRepresentable, Hashable, Sendable {
    /// The number.
    public var rawValue: Int32
    /// Wraps a number.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Not set.
    public static let undefined = AttributeType(rawValue: 0)
    /// `f`.
    public static let float = AttributeType(rawValue: 1)
    /// `i`.
    public static let int = AttributeType(rawValue: 2)
    /// `s`.
    public static let string = AttributeType(rawValue: 3)
    /// `t`.
    public static let tensor = AttributeType(rawValue: 4)
    /// `g`.
    public static let graph = AttributeType(rawValue: 5)
    /// `floats`.
    public static let floats = AttributeType(rawValue: 6)
    /// `ints`.
    public static let ints = AttributeType(rawValue: 7)
    /// `strings`.
    public static let strings = AttributeType(rawValue: 8)
    /// `tensors`.
    public static let tensors = AttributeType(rawValue: 9)
    /// `graphs`.
    public static let graphs = AttributeType(rawValue: 10)
    /// `sparse_tensor`.
    public static let sparseTensor = AttributeType(rawValue: 11)
    /// `sparse_tensors`.
    public static let sparseTensors = AttributeType(rawValue: 12)
    /// `tp`.
    public static let typeProto = AttributeType(rawValue: 13)
    /// `type_protos`.
    public static let typeProtos = AttributeType(rawValue: 14)

    /// The lower-case name ONNX's textual syntax uses (`float`, `ints`, `tensor`, ...).
    public var name: String {
        switch rawValue {
        case 1: return "float"
        case 2: return "int"
        case 3: return "string"
        case 4: return "tensor"
        case 5: return "graph"
        case 6: return "floats"
        case 7: return "ints"
        case 8: return "strings"
        case 9: return "tensors"
        case 10: return "graphs"
        case 11: return "sparse_tensor"
        case 12: return "sparse_tensors"
        case 13: return "type_proto"
        case 14: return "type_protos"
        default: return "undefined"
        }
    }
}

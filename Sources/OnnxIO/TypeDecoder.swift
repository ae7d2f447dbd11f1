import COnnxProto
import OnnxIR

/// Converts unpacked `TypeProto` structs into `ValueType`s, keeping absent fields absent.
enum TypeDecoder {
    /// Converts a type.
    static func valueType(_ proto: UnsafeMutablePointer<Onnx__TypeProto>) -> ValueType {
        ValueType(kind(proto.pointee), denotation: CFields.string(proto.pointee.denotation))
    }

    private static func kind(_ fields: Onnx__TypeProto) -> ValueType.Kind {
        switch fields.value_case.rawValue {
        case 1:
            guard let tensor = fields.tensor_type?.pointee else { return .none }
            return .tensor(
                elementType: CFields.optional(tensor.has_elem_type, DataType(rawValue: tensor.elem_type)),
                shape: tensor.shape.map(shape))
        case 4:
            guard let sequence = fields.sequence_type?.pointee else { return .none }
            return .sequence(sequence.elem_type.map(valueType))
        case 5:
            guard let map = fields.map_type?.pointee else { return .none }
            return .map(
                keyType: CFields.optional(map.has_key_type, DataType(rawValue: map.key_type)),
                valueType: map.value_type.map(valueType))
        case 9:
            guard let optional = fields.optional_type?.pointee else { return .none }
            return .optional(optional.elem_type.map(valueType))
        case 8:
            guard let sparse = fields.sparse_tensor_type?.pointee else { return .none }
            return .sparseTensor(
                elementType: CFields.optional(sparse.has_elem_type, DataType(rawValue: sparse.elem_type)),
                shape: sparse.shape.map(shape))
        case 7:
            guard let opaque = fields.opaque_type?.pointee else { return .none }
            return .opaque(domain: CFields.string(opaque.domain), name: CFields.string(opaque.name))
        default:
            return .none
        }
    }

    private static func shape(_ proto: UnsafeMutablePointer<Onnx__TensorShapeProto>) -> Shape {
        Shape(CFields.messages(proto.pointee.n_dim, proto.pointee.dim).map(dimension))
    }

    private static func dimension(_ proto: UnsafeMutablePointer<Onnx__TensorShapeProto__Dimension>) -> Dimension {
        let fields = proto.pointee
        let denotation = CFields.string(fields.denotation)
        switch fields.value_case.rawValue {
        case 1:
            return Dimension(.known(fields.dim_value), denotation: denotation)
        case 2:
            return Dimension(.symbolic(fields.dim_param.map { String(cString: $0) } ?? ""), denotation: denotation)
        default:
            return Dimension(.unknown, denotation: denotation)
        }
    }
}

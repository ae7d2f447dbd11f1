import COnnxProto
import OnnxIR

/// Converts `ValueType`s into `TypeProto` structs in an arena, writing only the fields that are present.
struct TypeEncoder {
    /// Where the structs are allocated.
    let arena: CArena

    /// Converts a type.
    func typeProto(_ type: ValueType) -> UnsafeMutablePointer<Onnx__TypeProto> {
        let proto: UnsafeMutablePointer<Onnx__TypeProto> = arena.message(onnx__type_proto__init)
        proto.pointee.denotation = arena.cString(type.denotation)
        switch type.kind {
        case .tensor(let elementType, let shape):
            let tensor: UnsafeMutablePointer<Onnx__TypeProto__Tensor> = arena.message(onnx__type_proto__tensor__init)
            if let elementType {
                tensor.pointee.has_elem_type = 1
                tensor.pointee.elem_type = elementType.rawValue
            }
            tensor.pointee.shape = shape.map(shapeProto)
            proto.pointee.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
            proto.pointee.tensor_type = tensor
        case .sparseTensor(let elementType, let shape):
            let sparse: UnsafeMutablePointer<Onnx__TypeProto__SparseTensor> = arena.message(
                onnx__type_proto__sparse_tensor__init)
            if let elementType {
                sparse.pointee.has_elem_type = 1
                sparse.pointee.elem_type = elementType.rawValue
            }
            sparse.pointee.shape = shape.map(shapeProto)
            proto.pointee.value_case = ONNX__TYPE_PROTO__VALUE_SPARSE_TENSOR_TYPE
            proto.pointee.sparse_tensor_type = sparse
        case .sequence(let element):
            let sequence: UnsafeMutablePointer<Onnx__TypeProto__Sequence> = arena.message(
                onnx__type_proto__sequence__init)
            sequence.pointee.elem_type = element.map(typeProto)
            proto.pointee.value_case = ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE
            proto.pointee.sequence_type = sequence
        case .map(let keyType, let valueType):
            let map: UnsafeMutablePointer<Onnx__TypeProto__Map> = arena.message(onnx__type_proto__map__init)
            if let keyType {
                map.pointee.has_key_type = 1
                map.pointee.key_type = keyType.rawValue
            }
            map.pointee.value_type = valueType.map(typeProto)
            proto.pointee.value_case = ONNX__TYPE_PROTO__VALUE_MAP_TYPE
            proto.pointee.map_type = map
        case .optional(let element):
            let optional: UnsafeMutablePointer<Onnx__TypeProto__Optional> = arena.message(
                onnx__type_proto__optional__init)
            optional.pointee.elem_type = element.map(typeProto)
            proto.pointee.value_case = ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE
            proto.pointee.optional_type = optional
        case .opaque(let domain, let name):
            let opaque: UnsafeMutablePointer<Onnx__TypeProto__Opaque> = arena.message(onnx__type_proto__opaque__init)
            opaque.pointee.domain = arena.cString(domain)
            opaque.pointee.name = arena.cString(name)
            proto.pointee.value_case = ONNX__TYPE_PROTO__VALUE_OPAQUE_TYPE
            proto.pointee.opaque_type = opaque
        case .none:
            break
        }
        return proto
    }

    private func shapeProto(_ shape: Shape) -> UnsafeMutablePointer<Onnx__TensorShapeProto> {
        let proto: UnsafeMutablePointer<Onnx__TensorShapeProto> = arena.message(onnx__tensor_shape_proto__init)
        (proto.pointee.n_dim, proto.pointee.dim) = arena.pointerArray(shape.dimensions.map(dimensionProto))
        return proto
    }

    private func dimensionProto(_ dimension: Dimension) -> UnsafeMutablePointer<Onnx__TensorShapeProto__Dimension>? {
        let proto: UnsafeMutablePointer<Onnx__TensorShapeProto__Dimension> = arena.message(
            onnx__tensor_shape_proto__dimension__init)
        proto.pointee.denotation = arena.cString(dimension.denotation)
        switch dimension.kind {
        case .known(let size):
            proto.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
            proto.pointee.dim_value = size
        case .symbolic(let name):
            proto.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
            proto.pointee.dim_param = arena.cString(name)
        case .unknown:
            break
        }
        return proto
    }
}

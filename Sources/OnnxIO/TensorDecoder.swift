import COnnxProto
import CProtobufC
import Foundation
import OnnxIR

/// Converts unpacked `TensorProto` and `SparseTensorProto` structs into IR tensors.
enum TensorDecoder {
    /// The `data_location` value that marks a tensor whose bytes live in a side file.
    static let externalLocation: Int32 = 1

    /// Converts `proto`, taking ownership of its `raw_data` bytes (no copy).
    static func tensor(_ proto: UnsafeMutablePointer<Onnx__TensorProto>) -> Tensor {
        let fields = proto.pointee
        let dataLocation = CFields.optional(fields.has_data_location, Int32(bitPattern: fields.data_location.rawValue))
        return Tensor(
            name: CFields.string(fields.name),
            dataType: DataType(rawValue: fields.data_type),
            dims: CFields.array(fields.n_dims, fields.dims),
            storage: storage(proto, dataLocation: dataLocation),
            docString: CFields.string(fields.doc_string),
            segment: fields.segment.map {
                TensorSegment(
                    begin: CFields.optional($0.pointee.has_begin, $0.pointee.begin),
                    end: CFields.optional($0.pointee.has_end, $0.pointee.end))
            },
            metadataProps: CFields.keyValues(fields.n_metadata_props, fields.metadata_props),
            dataLocationField: dataLocation)
    }

    /// Converts a sparse tensor.
    static func sparseTensor(_ proto: UnsafeMutablePointer<Onnx__SparseTensorProto>) -> SparseTensor {
        SparseTensor(
            values: proto.pointee.values.map(tensor), indices: proto.pointee.indices.map(tensor),
            dims: CFields.array(proto.pointee.n_dims, proto.pointee.dims))
    }

    private static func storage(_ proto: UnsafeMutablePointer<Onnx__TensorProto>, dataLocation: Int32?)
        -> TensorStorage
    {
        let fields = proto.pointee
        if dataLocation == externalLocation {
            return .external(ExternalData(entries: CFields.keyValues(fields.n_external_data, fields.external_data)))
        }
        if fields.has_raw_data != 0 { return .raw(takeRawData(proto)) }
        if fields.n_float_data > 0 { return .floats(CFields.array(fields.n_float_data, fields.float_data)) }
        if fields.n_int32_data > 0 { return .int32s(CFields.array(fields.n_int32_data, fields.int32_data)) }
        if fields.n_int64_data > 0 { return .int64s(CFields.array(fields.n_int64_data, fields.int64_data)) }
        if fields.n_double_data > 0 { return .doubles(CFields.array(fields.n_double_data, fields.double_data)) }
        if fields.n_uint64_data > 0 { return .uint64s(CFields.array(fields.n_uint64_data, fields.uint64_data)) }
        if fields.n_string_data > 0 {
            return .strings(CFields.array(fields.n_string_data, fields.string_data).map(CFields.bytes))
        }
        return .none
    }

    /// Moves the `raw_data` buffer protobuf-c allocated into a `Data` that frees it.
    ///
    /// protobuf-c unpacks with `malloc` and skips NULL buffers when freeing, so
    /// clearing the field hands the buffer over without copying the weights.
    private static func takeRawData(_ proto: UnsafeMutablePointer<Onnx__TensorProto>) -> Data {
        let binary = proto.pointee.raw_data
        guard let bytes = binary.data, binary.len > 0 else { return Data() }
        proto.pointee.raw_data = ProtobufCBinaryData(len: 0, data: nil)
        return Data(bytesNoCopy: bytes, count: binary.len, deallocator: .free)
    }
}

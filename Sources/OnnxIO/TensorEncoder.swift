import COnnxProto
import CProtobufC
import Foundation
import OnnxIR

/// Converts IR tensors into `TensorProto` structs in an arena, inline or through an external-data sink.
struct TensorEncoder {
    /// Where the structs are allocated.
    let arena: CArena
    /// The side file for large or previously external tensors; nil writes everything inline.
    let sink: ExternalDataSink?
    /// The file errors name.
    let errorPath: String
    /// Memory-mapped tensors (external or spilled) written inline, by the address of their bytes.
    let inlinedExternal = InlinedExternalTensors()

    /// Converts `tensor`, writing `name` as its name.
    func tensorProto(_ tensor: Tensor, name: String?, externalizable: Bool) throws
        -> UnsafeMutablePointer<Onnx__TensorProto>
    {
        let proto: UnsafeMutablePointer<Onnx__TensorProto> = arena.message(onnx__tensor_proto__init)
        (proto.pointee.n_dims, proto.pointee.dims) = arena.copy(tensor.dims)
        proto.pointee.has_data_type = 1
        proto.pointee.data_type = tensor.dataType.rawValue
        if let segment = tensor.segment {
            let segmentProto: UnsafeMutablePointer<Onnx__TensorProto__Segment> = arena.message(
                onnx__tensor_proto__segment__init)
            if let begin = segment.begin { (segmentProto.pointee.has_begin, segmentProto.pointee.begin) = (1, begin) }
            if let end = segment.end { (segmentProto.pointee.has_end, segmentProto.pointee.end) = (1, end) }
            proto.pointee.segment = segmentProto
        }
        proto.pointee.name = arena.cString(name)
        proto.pointee.doc_string = arena.cString(tensor.docString)
        (proto.pointee.n_metadata_props, proto.pointee.metadata_props) = keyValues(tensor.metadataProps)
        if let entries = try sink?.place(tensor, externalizable: externalizable, errorPath: errorPath) {
            (proto.pointee.n_external_data, proto.pointee.external_data) = keyValues(entries)
            setDataLocation(proto, TensorDecoder.externalLocation)
        } else {
            try setInlineData(proto, tensor)
            // Inline data is never EXTERNAL; a tensor read from a side file says DEFAULT, as onnx.load leaves it.
            if let location = tensor.dataLocationField {
                setDataLocation(proto, location == TensorDecoder.externalLocation ? 0 : location)
            }
        }
        return proto
    }

    /// Converts a sparse tensor; its values take `name`.
    func sparseProto(_ sparse: SparseTensor, name: String?, externalizable: Bool) throws
        -> UnsafeMutablePointer<Onnx__SparseTensorProto>
    {
        let proto: UnsafeMutablePointer<Onnx__SparseTensorProto> = arena.message(onnx__sparse_tensor_proto__init)
        proto.pointee.values = try sparse.values.map {
            try tensorProto($0, name: name ?? $0.name, externalizable: externalizable)
        }
        proto.pointee.indices = try sparse.indices.map {
            try tensorProto($0, name: $0.name, externalizable: externalizable)
        }
        (proto.pointee.n_dims, proto.pointee.dims) = arena.copy(sparse.dims)
        return proto
    }

    /// `StringStringEntryProto`s for key-value pairs (both fields always written).
    func keyValues(_ entries: [KeyValue]) -> (
        Int, UnsafeMutablePointer<UnsafeMutablePointer<Onnx__StringStringEntryProto>?>?
    ) {
        arena.pointerArray(
            entries.map { entry in
                let proto: UnsafeMutablePointer<Onnx__StringStringEntryProto> = arena.message(
                    onnx__string_string_entry_proto__init)
                proto.pointee.key = arena.cString(entry.key)
                proto.pointee.value = arena.cString(entry.value)
                return proto
            })
    }

    private func setDataLocation(_ proto: UnsafeMutablePointer<Onnx__TensorProto>, _ location: Int32) {
        proto.pointee.has_data_location = 1
        proto.pointee.data_location = Onnx__TensorProto__DataLocation(rawValue: UInt32(bitPattern: location))
    }

    private func setInlineData(_ proto: UnsafeMutablePointer<Onnx__TensorProto>, _ tensor: Tensor) throws {
        switch tensor.storage {
        case .none:
            break
        case .raw(let data):
            proto.pointee.has_raw_data = 1
            proto.pointee.raw_data = arena.binary(data)
            if tensor.mappedPages != nil { inlinedExternal.record(proto.pointee.raw_data, of: tensor) }
        case .external(let external):
            guard let source = external.source else {
                throw OnnxIOError(
                    path: errorPath,
                    reason: .externalDataUnavailable(tensor: tensor.name ?? "", location: external.location ?? ""))
            }
            proto.pointee.has_raw_data = 1
            proto.pointee.raw_data = arena.binary(try source.bytes())
            inlinedExternal.record(proto.pointee.raw_data, of: tensor)
        case .floats(let values):
            (proto.pointee.n_float_data, proto.pointee.float_data) = arena.copy(values)
        case .int32s(let values):
            (proto.pointee.n_int32_data, proto.pointee.int32_data) = arena.copy(values)
        case .int64s(let values):
            (proto.pointee.n_int64_data, proto.pointee.int64_data) = arena.copy(values)
        case .doubles(let values):
            (proto.pointee.n_double_data, proto.pointee.double_data) = arena.copy(values)
        case .uint64s(let values):
            (proto.pointee.n_uint64_data, proto.pointee.uint64_data) = arena.copy(values)
        case .strings(let values):
            (proto.pointee.n_string_data, proto.pointee.string_data) = arena.copy(values.map(arena.binary))
        }
    }
}

/// The memory-mapped tensors (external or spilled) a model proto holds inline, so that packing can give each
/// one's pages back as soon as its bytes are written: serializing a model then holds one tensor's pages, not all.
final class InlinedExternalTensors {
    private var tensors: [UnsafeRawPointer: Tensor] = [:]

    /// Remembers that `bytes` are `tensor`'s.
    func record(_ bytes: ProtobufCBinaryData, of tensor: Tensor) {
        if let start = bytes.data { tensors[UnsafeRawPointer(start)] = tensor }
    }

    /// Releases the pages of the tensor whose bytes `piece` is, if it is one (protobuf-c hands a `bytes`
    /// field over as one piece at the field's own address).
    func consumed(_ piece: UnsafeRawBufferPointer) {
        guard !tensors.isEmpty, let start = piece.baseAddress, let tensor = tensors[start] else { return }
        tensor.releaseResidentPages()
    }
}

import COnnxProto
import Foundation
import OnnxIR

/// Reads and writes single-`TensorProto` `.pb` files (the ONNX test-data format).
public enum TensorProtoFile {
    /// Reads the tensor in `path`; external data is looked up beside it.
    public static func read(path: String) throws -> Tensor {
        let file = try MappedFile(path: path)
        guard file.size > 0 else { throw OnnxIOError(path: path, reason: .emptyFile) }
        let proto = try withExtendedLifetime(file) {
            try ProtoMessage.unpack(file.bytes, initializer: onnx__tensor_proto__init, what: "TensorProto", path: path)
        }
        defer { ProtoMessage.free(proto) }
        var tensor = TensorDecoder.tensor(proto)
        var binder = ExternalTensorBinder(
            baseDirectory: URL(fileURLWithPath: path).deletingLastPathComponent().path, reportPath: path)
        try binder.bind(&tensor)
        return tensor
    }

    /// Writes `tensor` to `path` atomically, its data inline.
    public static func write(_ tensor: Tensor, to path: String) throws {
        let encoder = ProtoEncoder(errorPath: path, sink: nil)
        let proto = try encoder.tensors.tensorProto(tensor, name: tensor.name, externalizable: false)
        try AtomicFile.write(to: path) { temporary in
            let file = try FileSink(path: temporary)
            try withExtendedLifetime(encoder) { try file.pack(ProtoMessage.header(proto)) }
            try file.finish()
        }
    }
}

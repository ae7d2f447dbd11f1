import COnnxProto
import Foundation
import OnnxIR

/// Reads ONNX model files (protobuf) into the IR.
///
/// The file is memory-mapped and unpacked by protobuf-c; tensor `raw_data` buffers
/// are handed from protobuf-c to the IR without copying. External tensors get lazy
/// loaders over their side files, which are checked when the model is read.
public enum ModelReader {
    /// Reads the model at `path`; external data is looked up beside it.
    public static func read(path: String) throws -> Model {
        let file = try MappedFile(path: path, readOnce: true)
        guard file.size > 0 else { throw OnnxIOError(path: path, reason: .emptyFile) }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try withExtendedLifetime(file) { try decode(file.bytes, path: path, baseDirectory: folder) }
    }

    /// Reads a model from bytes; `path` only names it in errors, and external data is looked up in
    /// `baseDirectory` (when nil, external locations are checked but not bound).
    public static func read(data: Data, path: String, baseDirectory: String?) throws -> Model {
        guard !data.isEmpty else { throw OnnxIOError(path: path, reason: .emptyFile) }
        return try data.withUnsafeBytes { try decode($0, path: path, baseDirectory: baseDirectory) }
    }

    private static func decode(_ bytes: UnsafeRawBufferPointer, path: String, baseDirectory: String?) throws -> Model {
        let proto = try ProtoMessage.unpack(
            bytes, initializer: onnx__model_proto__init, what: "ONNX model", path: path)
        defer { ProtoMessage.free(proto) }
        let model = try ModelDecoder.model(proto, path: path)
        try ExternalDataBinder.bind(model, baseDirectory: baseDirectory, reportPath: path)
        return model
    }
}

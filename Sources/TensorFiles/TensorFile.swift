import Foundation
import OnnxIO
import OnnxIR

/// Reads and writes one tensor in a file whose extension says the format: `.npy` or ONNX `TensorProto` `.pb`.
public enum TensorFile {
    /// The extensions `read(path:)` understands.
    public static let extensions: Set<String> = ["npy", "pb"]

    /// Whether `path` has an extension this type reads.
    public static func isTensorFile(_ path: String) -> Bool {
        extensions.contains(URL(fileURLWithPath: path).pathExtension.lowercased())
    }

    /// Reads the tensor at `path` (`.npy` tensors have no name; `.pb` tensors keep theirs).
    public static func read(path: String) throws -> Tensor {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "npy": return try NpyFile.read(path: path)
        case "pb": return try TensorFileError.rethrowing(path: path) { try TensorProtoFile.read(path: path) }
        default: throw TensorFileError(path: path, reason: "unknown tensor file type (expected .npy or .pb)")
        }
    }

    /// Writes `tensor` to `path` in the format its extension names.
    public static func write(_ tensor: Tensor, to path: String) throws {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "npy": try NpyFile.write(tensor, to: path)
        case "pb": try TensorFileError.rethrowing(path: path) { try TensorProtoFile.write(tensor, to: path) }
        default: throw TensorFileError(path: path, reason: "unknown tensor file type (expected .npy or .pb)")
        }
    }
}

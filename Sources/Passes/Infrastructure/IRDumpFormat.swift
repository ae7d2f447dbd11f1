/// What `--print-ir-tree-dir` writes for each dump (`--print-ir-tree-format`).
public enum IRDumpFormat: String, CaseIterable, Sendable {
    /// ONNX text, `NN-<pass>.onnxtxt`, large tensors in `NN-<pass>.bin` (the default).
    case onnxtxt
    /// A loadable model, `NN-<pass>.onnx`, tensors of 1024 bytes or more in `NN-<pass>.onnx.data` (Netron opens it).
    case onnx
    /// Both.
    case both

    /// Whether the text dump is written.
    var writesText: Bool { self != .onnx }
    /// Whether the `.onnx` dump is written.
    var writesProtobuf: Bool { self != .onnxtxt }
}

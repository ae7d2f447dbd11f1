/// A model part that ONNX's textual syntax cannot express, or data that does not fit its declaration.
public enum TextPrintError: Error, Equatable, CustomStringConvertible {
    /// The model uses something the textual syntax has no form for (sparse tensors, training info, ...).
    case unsupported(String)
    /// A tensor whose data does not match its type and shape.
    case invalidTensor(tensor: String, reason: String)
    /// A large tensor whose external bytes cannot be read, so it cannot go to the sidecar.
    case unreadableTensor(tensor: String, reason: String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .unsupported(let what):
            return "cannot print as ONNX text: \(what)"
        case .invalidTensor(let tensor, let reason):
            return "cannot print tensor '\(tensor)': \(reason)"
        case .unreadableTensor(let tensor, let reason):
            return "cannot copy tensor '\(tensor)' to the sidecar: \(reason)"
        }
    }
}

/// A failure to read or write a model or tensor file; `description` is one line that starts with the path.
public struct OnnxIOError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong.
    public enum Reason: Equatable, Sendable {
        /// The file does not exist.
        case fileNotFound
        /// The file exists but holds no bytes.
        case emptyFile
        /// The operating system refused an operation (open, read, map, write, rename).
        case system(operation: String, message: String)
        /// The bytes are not a protobuf message of the expected kind (truncated or not protobuf at all).
        case notProtobuf(message: String)
        /// Messages nest deeper than the reader allows (a corrupt or hostile file).
        case nestingTooDeep(limit: Int)
        /// The model has no `graph`.
        case missingGraph
        /// The model's contents break a rule the reader relies on.
        case invalidModel(String)
        /// An external-data location that is absolute or leaves the model's folder.
        case unsafeExternalLocation(tensor: String, location: String)
        /// An external-data side file that cannot be found or read.
        case externalDataUnreadable(tensor: String, file: String, message: String)
        /// External-data `offset`/`length` entries that are malformed or point past the side file's end.
        case externalDataOutOfRange(tensor: String, file: String, message: String)
        /// A tensor whose bytes are needed but live in a side file that was never bound to a folder.
        case externalDataUnavailable(tensor: String, location: String)
        /// A tensor whose fields cannot be written as asked.
        case invalidTensor(tensor: String, message: String)
        /// A write option that cannot be honoured.
        case invalidOption(String)
    }

    /// The file the error is about.
    public var path: String
    /// What went wrong.
    public var reason: Reason

    /// Creates an error about `path`.
    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    /// `path: explanation`, on one line.
    public var description: String { "\(path): \(message)" }

    /// The explanation without the path.
    public var message: String {
        switch reason {
        case .fileNotFound:
            return "no such file"
        case .emptyFile:
            return "the file is empty"
        case .system(let operation, let message):
            return "\(operation) failed: \(message)"
        case .notProtobuf(let message):
            return message
        case .nestingTooDeep(let limit):
            return "messages are nested more than \(limit) levels deep (corrupt or hostile file)"
        case .missingGraph:
            return "the model has no graph"
        case .invalidModel(let message):
            return message
        case .unsafeExternalLocation(let tensor, let location):
            return "tensor '\(tensor)': external data location '\(location)' is absolute or leaves the model's "
                + "folder; refusing to read it"
        case .externalDataUnreadable(let tensor, let file, let message):
            return "tensor '\(tensor)': external data file '\(file)' cannot be read: \(message)"
        case .externalDataOutOfRange(let tensor, let file, let message):
            return "tensor '\(tensor)': external data in '\(file)': \(message)"
        case .externalDataUnavailable(let tensor, let location):
            return "tensor '\(tensor)': its bytes live in external file '\(location)', which was never bound to a "
                + "folder (use ExternalDataBinder.bind)"
        case .invalidTensor(let tensor, let message):
            return "tensor '\(tensor)': \(message)"
        case .invalidOption(let message):
            return message
        }
    }
}

import OnnxIO

/// A tensor or sample file that cannot be read or written, with the file and what is wrong.
///
/// The description is one line that starts with the file path, so a command line
/// can print it as it is.
public struct TensorFileError: Error, Equatable, CustomStringConvertible {
    /// The file (or folder, or `archive.npz:member.npy`) the problem is in.
    public var path: String
    /// What is wrong, without the path.
    public var reason: String

    /// Creates an error for `path`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// `path: reason`.
    public var description: String { "\(path): \(reason)" }

    /// `error` as a `TensorFileError`: OnnxIO's errors keep their path and text, anything else is described.
    static func converting(_ error: Error, path: String) -> TensorFileError {
        switch error {
        case let error as TensorFileError:
            return error
        case let error as OnnxIOError:
            let text = error.description
            let prefix = error.path + ": "
            return TensorFileError(
                path: error.path, reason: text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text)
        default:
            return TensorFileError(path: path, reason: "\(error)")
        }
    }

    /// Runs `body`, converting whatever it throws with `converting(_:path:)`.
    static func rethrowing<T>(path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw converting(error, path: path)
        }
    }
}

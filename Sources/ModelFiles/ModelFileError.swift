/// A model file that cannot be read or written: one line naming the file and what is wrong.
public struct ModelFileError: Error, Equatable, CustomStringConvertible {
    /// The file (or folder) the problem is about.
    public let path: String
    /// What is wrong, on one line.
    public let message: String

    /// Creates an error about `path`.
    public init(path: String, message: String) {
        self.path = path
        self.message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// Wraps `error` as an error about `path`, dropping a leading `path: ` the error already gives.
    public init(path: String, _ error: Error) {
        var text = "\(error)"
        if text.hasPrefix(path + ": ") { text.removeFirst(path.count + 2) }
        self.init(path: path, message: text)
    }

    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}

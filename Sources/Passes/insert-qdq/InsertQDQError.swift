/// Why `insert-qdq` (or `cleanup-qdq`) refused a model, an option or a configuration file.
public struct InsertQDQError: Error, Equatable, CustomStringConvertible {
    /// One line naming the tensor, node, option or file concerned.
    public var description: String

    /// Creates an error with its one-line message.
    public init(_ description: String) {
        self.description = description
    }
}

/// Why `import-qdq` refused a model: one line naming the node.
public struct ImportQDQError: Error, Equatable, CustomStringConvertible {
    /// One line naming the node and what is wrong with it.
    public var description: String

    /// Creates an error with its one-line message.
    public init(_ description: String) {
        self.description = description
    }
}

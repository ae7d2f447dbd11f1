/// A node whose inputs contradict each other or a declared type, found while inferring shapes.
public struct ShapeInferenceError: Error, Equatable, CustomStringConvertible {
    /// The node's name (or op type and first output when it has none).
    public var node: String
    /// The node's operator.
    public var opType: String
    /// What is wrong.
    public var message: String

    /// Creates an error about `node`.
    public init(node: String, opType: String, message: String) {
        self.node = node
        self.opType = opType
        self.message = message
    }

    /// `node 'X' (Add): cannot broadcast [3,4] with [5]`.
    public var description: String { "node '\(node)' (\(opType)): \(message)" }
}

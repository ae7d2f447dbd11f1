/// A problem in ONNX text, with the line and column (both from 1) where it was found.
public struct TextParseError: Error, Equatable, CustomStringConvertible {
    /// The line, counting from 1.
    public var line: Int
    /// The column in characters, counting from 1.
    public var column: Int
    /// What is wrong.
    public var message: String

    /// Creates an error at a position.
    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// `line L, column C: message`.
    public var description: String { "line \(line), column \(column): \(message)" }
}

/// A position in pipeline text, 1-based, for error messages.
public struct SourceLocation: Sendable, Equatable {
    /// The line, counting from 1.
    public var line: Int
    /// The column in characters, counting from 1.
    public var column: Int

    /// Creates a location.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}

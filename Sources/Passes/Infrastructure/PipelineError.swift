/// Pipeline text that does not parse, or names a pass or option that does not exist.
public struct PipelineError: Error, Equatable, CustomStringConvertible {
    /// Where the problem is; nil for a pipeline built in code.
    public var location: SourceLocation?
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(location: SourceLocation?, message: String) {
        self.location = location
        self.message = message
    }

    /// `column C: message` (or `line L, column C: message` past the first line).
    public var description: String {
        guard let location else { return message }
        if location.line == 1 { return "column \(location.column): \(message)" }
        return "line \(location.line), column \(location.column): \(message)"
    }
}

/// One `key=value` option of a pipeline element.
public struct PipelineOption: Sendable, Equatable {
    /// The option's name.
    public var key: String
    /// Its value as text.
    public var value: String
    /// Where the key was written; not part of equality.
    public var location: SourceLocation?

    /// Creates an option.
    public init(key: String, value: String, location: SourceLocation? = nil) {
        self.key = key
        self.value = value
        self.location = location
    }

    /// Options are equal when key and value are, wherever they were written.
    public static func == (lhs: PipelineOption, rhs: PipelineOption) -> Bool {
        lhs.key == rhs.key && lhs.value == rhs.value
    }
}

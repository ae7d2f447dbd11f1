/// The description of one option a pass accepts (`name=value` inside `{}` in a pipeline).
public struct PassOption: Sendable, Equatable {
    /// The option's name, kebab-case.
    public var name: String
    /// What values look like, for help text (`true|false`, `<integer>`, `minmax|entropy`).
    public var valueSyntax: String
    /// The value used when the pipeline does not give one.
    public var defaultValue: String
    /// One line saying what the option does.
    public var summary: String

    /// Creates an option description.
    public init(name: String, valueSyntax: String, defaultValue: String, summary: String) {
        self.name = name
        self.valueSyntax = valueSyntax
        self.defaultValue = defaultValue
        self.summary = summary
    }
}

/// One pass in a pipeline with the options written for it: `name{key=value,...}`.
public struct PipelineElement: Sendable, Equatable, CustomStringConvertible {
    /// The pass's argument (kebab-case name).
    public var passArgument: String
    /// The options in the order written.
    public var options: [PipelineOption]
    /// Where the pass name was written; not part of equality.
    public var location: SourceLocation?

    /// Creates an element.
    public init(passArgument: String, options: [PipelineOption] = [], location: SourceLocation? = nil) {
        self.passArgument = passArgument
        self.options = options
        self.location = location
    }

    /// The options as a dictionary (the parser rejects repeated keys).
    public var optionValues: [String: String] {
        Dictionary(options.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    /// The canonical text: `name` or `name{key=value,...}`, values quoted only when needed.
    public var description: String {
        if options.isEmpty { return passArgument }
        let rendered = options.map { "\($0.key)=\(PipelineElement.render(value: $0.value))" }
        return passArgument + "{" + rendered.joined(separator: ",") + "}"
    }

    /// Elements are equal when name and options are, wherever they were written.
    public static func == (lhs: PipelineElement, rhs: PipelineElement) -> Bool {
        lhs.passArgument == rhs.passArgument && lhs.options == rhs.options
    }

    /// Whether `character` may appear in an unquoted option value.
    static func isBareValueCharacter(_ character: Character) -> Bool {
        !character.isWhitespace && !"{}=,\"\\#".contains(character)
    }

    /// A value as written in canonical text: bare when possible, else quoted with `\"` and `\\` escapes.
    static func render(value: String) -> String {
        if !value.isEmpty && value.allSatisfy(isBareValueCharacter) { return value }
        var quoted = "\""
        for character in value {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "\""
    }
}

/// Typed access to a pass's options, with the defaults its `PassOption` list declares.
///
/// Creating a reader rejects option names the pass does not declare, so a typo
/// in a pipeline is an error rather than a silently ignored setting.
public struct PassOptionReader {
    private let values: [String: String]
    private let declared: [PassOption]
    private let passArgument: String

    /// Checks `options` against the options `pass` declares.
    public init(_ options: [String: String], for pass: any Pass.Type) throws {
        self.values = options
        self.declared = pass.options
        self.passArgument = pass.argument
        let known = Set(declared.map(\.name))
        if let unknown = options.keys.sorted().first(where: { !known.contains($0) }) {
            throw PassError.unknownOption(pass: passArgument, option: unknown, known: declared.map(\.name))
        }
    }

    /// The option's text, or its declared default.
    public func string(_ name: String) throws -> String {
        if let value = values[name] { return value }
        guard let option = declared.first(where: { $0.name == name }) else {
            throw PassError.undeclaredOption(pass: passArgument, option: name)
        }
        return option.defaultValue
    }

    /// The option as a boolean (`true`/`false`, `1`/`0`, `yes`/`no`).
    public func bool(_ name: String) throws -> Bool {
        let text = try string(name)
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw invalid(name, text, expected: "true or false")
        }
    }

    /// The option as an integer.
    public func int(_ name: String) throws -> Int {
        let text = try string(name)
        guard let value = Int(text) else { throw invalid(name, text, expected: "an integer") }
        return value
    }

    /// The option as a finite floating-point number.
    public func double(_ name: String) throws -> Double {
        let text = try string(name)
        guard let value = Double(text), value.isFinite else { throw invalid(name, text, expected: "a number") }
        return value
    }

    /// The option, which must be one of `choices`.
    public func choice(_ name: String, in choices: [String]) throws -> String {
        let text = try string(name)
        guard choices.contains(text) else {
            throw invalid(name, text, expected: "one of " + choices.joined(separator: ", "))
        }
        return text
    }

    private func invalid(_ name: String, _ value: String, expected: String) -> PassError {
        .invalidOptionValue(pass: passArgument, option: name, value: value, expected: expected)
    }
}

/// A pass that cannot be configured or cannot do its work; each case names the pass.
public enum PassError: Error, Equatable, CustomStringConvertible {
    /// A pipeline gives an option the pass does not declare.
    case unknownOption(pass: String, option: String, known: [String])
    /// An option's value does not parse.
    case invalidOptionValue(pass: String, option: String, value: String, expected: String)
    /// A pass reads an option it forgot to declare (a bug in the pass).
    case undeclaredOption(pass: String, option: String)
    /// The nodes of a graph depend on each other in a cycle.
    case cycle(pass: String, graph: String, node: String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .unknownOption(let pass, let option, let known):
            let accepted = known.isEmpty ? "it takes no options" : "it takes " + known.joined(separator: ", ")
            return "pass '\(pass)' has no option '\(option)' (\(accepted))"
        case .invalidOptionValue(let pass, let option, let value, let expected):
            return "pass '\(pass)': option '\(option)' is '\(value)', expected \(expected)"
        case .undeclaredOption(let pass, let option):
            return "pass '\(pass)' reads option '\(option)', which it does not declare"
        case .cycle(let pass, let graph, let node):
            return "pass '\(pass)': the nodes of graph '\(graph)' form a cycle through node '\(node)'"
        }
    }
}

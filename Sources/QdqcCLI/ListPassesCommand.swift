import ArgumentParser
import Passes

/// `qdqc list-passes`: every pass with its summary and options.
struct ListPassesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-passes",
        abstract: "List the passes a pipeline may use, with their options.")

    func run() throws {
        StandardOutput.write(Self.listing(PassRegistry()))
    }

    /// One line per pass (argument, summary), then one indented line per option.
    static func listing(_ registry: PassRegistry) -> String {
        let width = registry.arguments.map(\.count).max() ?? 0
        var lines: [String] = []
        for type in registry.passTypes {
            let padding = String(repeating: " ", count: width - type.argument.count)
            lines.append("\(type.argument)\(padding)  \(type.summary)")
            for option in type.options {
                lines.append(
                    "    \(option.name)=\(option.valueSyntax) (default \(option.defaultValue))  \(option.summary)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

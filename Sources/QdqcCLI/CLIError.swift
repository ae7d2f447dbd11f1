import Foundation

/// An error the CLI reports as `error: <file>: <what is wrong>`.
struct CLIError: Error, CustomStringConvertible {
    /// The whole line after `error: `.
    let description: String

    /// An error about `path`; the path is added unless the underlying message already starts with it.
    init(path: String, _ error: Error) {
        let text = Self.oneLine("\(error)")
        description = text.hasPrefix(path) ? text : "\(path): \(text)"
    }

    /// An error about `path` with a message of its own.
    init(path: String, message: String) {
        description = "\(path): \(Self.oneLine(message))"
    }

    /// Joins the lines of `text` so an error always stays on one line.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: " ")
    }
}

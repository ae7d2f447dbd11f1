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

    /// The longest error line printed; a longer message is cut, saying how much was left out.
    static let maximumLength = 2000

    /// Joins the lines of `text` so an error always stays on one line, cut to `maximumLength` characters.
    ///
    /// Messages quote names and values from the input, which a hostile file can make megabytes long.
    static func oneLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: " ")
        guard line.count > maximumLength else { return line }
        return String(line.prefix(maximumLength)) + "... (\(line.count - maximumLength) more characters cut)"
    }
}

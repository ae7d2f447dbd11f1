import Foundation

/// Turns `errno` values into `OnnxIOError`s, the one funnel for operating-system failures.
enum SystemError {
    /// The error for a failed `operation` on `path` with error number `code`.
    static func error(path: String, operation: String, code: Int32) -> OnnxIOError {
        if code == ENOENT && operation == "open" { return OnnxIOError(path: path, reason: .fileNotFound) }
        return OnnxIOError(path: path, reason: .system(operation: operation, message: message(code)))
    }

    /// The text `strerror` gives for `code`.
    static func message(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}

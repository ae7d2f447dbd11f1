import Foundation
import Testing

/// What a finished child process left behind.
public struct ProcessResult {
    /// The command line, for failure messages.
    public let commandLine: String
    /// The exit status (or the terminating signal's number, see `exitedNormally`).
    public let status: Int32
    /// False when the process was killed by a signal (a crash).
    public let exitedNormally: Bool
    /// Everything the process wrote to standard output.
    public let standardOutput: String
    /// Everything the process wrote to standard error.
    public let standardError: String

    /// The non-empty lines of standard error.
    public var errorLines: [String] {
        standardError.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// True when the process exited normally with status 0.
    public var succeeded: Bool { exitedNormally && status == 0 }

    /// A multi-line account of the run for a test failure message.
    public var summary: String {
        let how = exitedNormally ? "exit status \(status)" : "killed by signal \(status)"
        return """
            \(commandLine)
            → \(how)
            stderr: \(Self.tail(standardError))
            stdout: \(Self.tail(standardOutput))
            """
    }

    /// The end of a long output: failures print at the end, and a whole dump would bury them.
    private static func tail(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.count <= 3000 ? trimmed : "…" + trimmed.suffix(3000)
    }
}

extension ProcessResult: CustomTestStringConvertible {
    /// Short, so that `#expect(result.succeeded, ...)` does not print the captured output twice.
    public var testDescription: String { exitedNormally ? "exit status \(status)" : "killed by signal \(status)" }
}

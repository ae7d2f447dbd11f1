import Foundation

/// Runs the user's `--metric` command for one model and reads the number it prints.
public struct MetricCommand: Sendable, Equatable {
    /// Where the model path goes in the command.
    public static let placeholder = "{model}"

    /// The command as the user gave it.
    public let template: String

    /// Creates the command from its template.
    public init(template: String) {
        self.template = template
    }

    /// Runs the command with `{model}` replaced by `modelPath` (shell-quoted) through `/bin/sh -c`;
    /// the last non-empty line of its standard output must be a number.
    public func value(for modelPath: String) throws -> Double {
        let command = template.replacingOccurrences(of: Self.placeholder, with: Self.shellQuoted(modelPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw ConversionAuditError.metricFailed(reason: "cannot run /bin/sh: \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw ConversionAuditError.metricFailed(
                reason: "'\(command)' failed with status \(process.terminationStatus)")
        }
        let text = String(decoding: data, as: UTF8.self)
        let last = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .last { !$0.isEmpty }
        guard let last, let number = Double(last), number.isFinite else {
            throw ConversionAuditError.metricFailed(
                reason: "'\(command)' must print a number on its last line, printed '\(last ?? "")'")
        }
        return number
    }

    /// `path` in single quotes for the shell.
    static func shellQuoted(_ path: String) -> String {
        "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

import Foundation

/// Runs the user's `--metric` command for one model and reads the number it prints.
public struct MetricCommand: Sendable, Equatable {
    /// Where the model path goes in the command.
    public static let placeholder = "{model}"

    /// The default of `timeout`, in seconds.
    public static let defaultTimeout = 3600.0

    /// The command as the user gave it.
    public let template: String
    /// Seconds one run may take before it is stopped and the gate fails with an error.
    public let timeout: Double

    /// Creates the command from its template.
    public init(template: String, timeout: Double = MetricCommand.defaultTimeout) {
        self.template = template
        self.timeout = timeout
    }

    /// Runs the command with `{model}` replaced by `modelPath` (shell-quoted) through `/bin/sh -c`;
    /// the last non-empty line of its standard output must be a number. A run longer than `timeout`
    /// is stopped (SIGTERM, then SIGKILL) and is an error.
    public func value(for modelPath: String) throws -> Double {
        let command = template.replacingOccurrences(of: Self.placeholder, with: Self.shellQuoted(modelPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        let collector = OutputCollector(reading: output.fileHandleForReading)
        do {
            try process.run()
        } catch {
            throw ConversionAuditError.metricFailed(reason: "cannot run /bin/sh: \(error)")
        }
        let deadline = DispatchTime.now() + timeout
        guard exited.wait(timeout: deadline) == .success else {
            process.terminate()
            if exited.wait(timeout: .now() + 2) == .timedOut { kill(process.processIdentifier, SIGKILL) }
            throw ConversionAuditError.metricFailed(
                reason: "'\(command)' did not finish within \(Self.seconds(timeout)) (--metric-timeout)")
        }
        // The shell is gone; a child it left behind may still hold the pipe, so wait only briefly.
        guard let data = collector.output(by: max(deadline, .now() + 5)) else {
            throw ConversionAuditError.metricFailed(
                reason: "'\(command)' exited but something it started still holds its output open")
        }
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

    /// `seconds` for a message: "90 s".
    private static func seconds(_ seconds: Double) -> String {
        seconds == seconds.rounded() && seconds < 1e15 ? "\(Int(seconds)) s" : "\(seconds) s"
    }

    /// `path` in single quotes for the shell.
    static func shellQuoted(_ path: String) -> String {
        "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

import ArgumentParser
import Evaluation
import Foundation

/// The `qdqc` command: converts float ONNX models into explicitly quantized ones.
///
/// `convert` is the default subcommand, so `qdqc model.onnx -o out.onnx` works.
/// Errors are one line on standard error starting with `error:`; the exit
/// status is 0 on success, 1 for an error, 3 for a failed accuracy gate and 64 for a usage error.
public struct QdqcCommand: ParsableCommand {
    /// Subcommands, version and help text.
    public static let configuration = CommandConfiguration(
        commandName: "qdqc",
        abstract: "Turn a float ONNX model into an explicitly quantized (QuantizeLinear/DequantizeLinear) one.",
        discussion: """
            Without a subcommand, qdqc runs 'convert': qdqc MODEL -o OUT [--passes PIPELINE].
            Exit status: 0 success, 1 error, 3 accuracy gate failed (--min-sqnr, --max-drop, \
            --max-perplexity-increase), 64 usage error.
            """,
        version: QdqcVersion.current,
        subcommands: [
            ConvertCommand.self, CalibrateCommand.self, CalibMergeCommand.self, RunCommand.self, CompareCommand.self,
            PrintCommand.self, ListPassesCommand.self, ListTargetsCommand.self,
        ],
        defaultSubcommand: ConvertCommand.self)

    /// The documented exit status of a failed accuracy gate (docs/cli.md): distinct from 1 (error) and 64 (usage).
    static let accuracyGateFailedStatus: Int32 = 3

    /// Creates the command (argument parsing fills subcommands, not this type).
    public init() {}

    /// Parses the process's arguments, runs the command and exits with its status.
    public static func main() {
        Foundation.exit(run(arguments: Array(CommandLine.arguments.dropFirst())))
    }

    /// Parses `arguments`, runs the chosen subcommand, prints any error, and returns the exit status.
    public static func run(arguments: [String]) -> Int32 {
        // ArgumentParser answers `help <unknown>` with the root help and status 0; a typo is a usage error.
        if arguments.count > 1, arguments[0] == "help", !arguments[1].hasPrefix("-") {
            let names = configuration.subcommands.map { $0._commandName }
            if !names.contains(arguments[1]) {
                StandardError.write(
                    "error: help: unknown command '\(CLIError.oneLine(arguments[1]))' (commands: "
                        + names.joined(separator: ", ") + ")\n")
                return ExitCode.validationFailure.rawValue
            }
        }
        do {
            var command = try parseAsRoot(SmoothQuantOptions.attachingDefaultAlpha(to: arguments))
            try command.run()
            return ExitCode.success.rawValue
        } catch let failure as AccuracyGateFailure {
            StandardError.write("error: \(CLIError.oneLine(failure.description))\n")
            return accuracyGateFailedStatus
        } catch {
            return report(error)
        }
    }

    /// Prints help and version text to standard output and errors as one `error:` line to standard error.
    private static func report(_ error: Error) -> Int32 {
        let code = exitCode(for: error)
        if code == .success {
            let text = fullMessage(for: error)
            if !text.isEmpty { print(text) }
            return code.rawValue
        }
        if error is ExitCode { return code.rawValue }
        var text = CLIError.oneLine(code == .validationFailure ? message(for: error) : "\(error)")
        if text.hasPrefix("Error: ") { text.removeFirst("Error: ".count) }
        StandardError.write("error: \(text)\n")
        return code.rawValue
    }
}

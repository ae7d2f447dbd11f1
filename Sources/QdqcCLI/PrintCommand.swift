import ArgumentParser
import ModelFiles
import OnnxIO
import OnnxText

/// `qdqc print MODEL`: prints a model in ONNX's textual syntax on standard output.
struct PrintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print",
        abstract: "Print a model as ONNX text (what onnx.printer prints and onnx.parser reads).",
        discussion: """
            Large tensors (more than 64 elements) are elided by default; --inline-tensors prints them in full, \
            --sidecar FILE writes their bytes to FILE and references it as external data.
            """)

    @Argument(help: ArgumentHelp("The model to read (.onnx or .onnxtxt).", valueName: "model"))
    var model: String

    @Flag(name: .customLong("inline-tensors"), help: "Print every tensor's values in full.")
    var inlineTensors = false

    @Option(
        help: ArgumentHelp(
            "Write large tensors to this file (relative to the current folder) as external data.",
            valueName: "file"))
    var sidecar: String?

    mutating func validate() throws {
        if inlineTensors && sidecar != nil { throw ValidationError("give --inline-tensors or --sidecar, not both") }
        if let sidecar, let problem = RelativePath.problem(with: sidecar) {
            throw ValidationError("--sidecar '\(sidecar)' \(problem)")
        }
    }

    func run() throws {
        let loaded = try ModelFile.read(path: model)
        let mode: LargeTensorMode
        if inlineTensors {
            mode = .inline
        } else if let sidecar {
            mode = .sidecar(fileName: sidecar)
        } else {
            mode = .elide
        }
        let printed: PrintedModel
        do {
            printed = try TextPrinter(options: TextPrintOptions(largeTensors: mode)).print(loaded)
        } catch {
            throw CLIError(path: model, error)
        }
        if let sidecar, let data = printed.sidecar {
            do {
                try AtomicFile.write(data, to: sidecar)
            } catch {
                throw CLIError(path: sidecar, error)
            }
        }
        StandardOutput.write(printed.text.hasSuffix("\n") ? printed.text : printed.text + "\n")
    }
}

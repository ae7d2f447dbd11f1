import ArgumentParser
import Foundation
import Passes

/// The pass-manager flags shared by commands that run a pipeline.
struct InstrumentationOptions: ParsableArguments {
    @Flag(name: .customLong("print-ir-after-all"), help: "Print the IR to standard error after every pass.")
    var printIRAfterAll = false

    @Flag(
        name: .customLong("print-ir-after-change"),
        help: "Print the IR to standard error after every pass that changed it.")
    var printIRAfterChange = false

    @Option(
        name: .customLong("print-ir-tree-dir"),
        help: ArgumentHelp(
            "Write numbered text dumps (00-input.onnxtxt, 01-<pass>.onnxtxt, ...) and, on failure, a reproducer "
                + "in DIR/reproducer.",
            valueName: "dir"))
    var printIRTreeDirectory: String?

    @Option(
        name: .customLong("print-ir-tree-format"),
        help: ArgumentHelp(
            "What --print-ir-tree-dir writes per dump: onnxtxt (text, the default), onnx (a loadable .onnx with "
                + "a .onnx.data side file, for Netron) or both.",
            valueName: "format"))
    var printIRTreeFormat: String?

    @Option(
        name: .customLong("reproducer"),
        help: ArgumentHelp(
            "When a pass fails, write the IR before it, the rest of the pipeline and the tables it needs to DIR; "
                + "qdqc DIR/input.onnxtxt --passes \"$(cat DIR/pipeline)\" fails the same way.",
            valueName: "dir"))
    var reproducerDirectory: String?

    @Flag(name: .customLong("pass-timing"), help: "Print the time each pass took to standard error.")
    var passTiming = false

    @Flag(name: .customLong("pass-statistics"), help: "Print each pass's statistics to standard error.")
    var passStatistics = false

    mutating func validate() throws {
        if let printIRTreeFormat {
            guard printIRTreeDirectory != nil else {
                throw ValidationError("--print-ir-tree-format needs --print-ir-tree-dir")
            }
            guard IRDumpFormat(rawValue: printIRTreeFormat) != nil else {
                throw ValidationError(
                    "--print-ir-tree-format '\(printIRTreeFormat)': expected "
                        + IRDumpFormat.allCases.map(\.rawValue).joined(separator: ", "))
            }
        }
        for (flag, path) in [("--print-ir-tree-dir", printIRTreeDirectory), ("--reproducer", reproducerDirectory)] {
            guard let path else { continue }
            if path.isEmpty { throw ValidationError("\(flag) needs a folder, not ''") }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                throw ValidationError("\(flag) '\(path)' is a file, not a folder")
            }
        }
    }

    /// Whether any of these flags is given.
    var isActive: Bool {
        printIRAfterAll || printIRAfterChange || printIRTreeDirectory != nil || printIRTreeFormat != nil
            || reproducerDirectory != nil || passTiming || passStatistics
    }

    /// The pass-manager settings these flags ask for.
    var managerOptions: PassManagerOptions {
        PassManagerOptions(
            printIRAfterAll: printIRAfterAll, printIRAfterChange: printIRAfterChange,
            irTreeDirectory: printIRTreeDirectory, reproducerDirectory: reproducerDirectory, passTiming: passTiming,
            passStatistics: passStatistics,
            diagnostics: .standardError, irTreeFormat: printIRTreeFormat.flatMap(IRDumpFormat.init) ?? .onnxtxt)
    }
}

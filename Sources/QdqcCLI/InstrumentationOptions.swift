import ArgumentParser
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
            "Write numbered text dumps (00-input.onnxtxt, 01-<pass>.onnxtxt, ...) and, on failure, a reproducer.",
            valueName: "dir"))
    var printIRTreeDirectory: String?

    @Flag(name: .customLong("pass-timing"), help: "Print the time each pass took to standard error.")
    var passTiming = false

    @Flag(name: .customLong("pass-statistics"), help: "Print each pass's statistics to standard error.")
    var passStatistics = false

    /// The pass-manager settings these flags ask for.
    var managerOptions: PassManagerOptions {
        PassManagerOptions(
            printIRAfterAll: printIRAfterAll, printIRAfterChange: printIRAfterChange,
            irTreeDirectory: printIRTreeDirectory, passTiming: passTiming, passStatistics: passStatistics,
            diagnostics: .standardError)
    }
}

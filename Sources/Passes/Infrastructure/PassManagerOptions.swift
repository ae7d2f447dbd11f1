/// Instrumentation settings for a `PassManager` (the CLI's `--print-ir-*` and `--pass-*` flags).
public struct PassManagerOptions {
    /// Print the IR to `diagnostics` after every pass.
    public var printIRAfterAll: Bool
    /// Print the IR to `diagnostics` after every pass that changed the model.
    public var printIRAfterChange: Bool
    /// Write numbered dumps (and a reproducer on failure) into this directory.
    public var irTreeDirectory: String?
    /// Print a timing table to `diagnostics` after the pipeline.
    public var passTiming: Bool
    /// Print each pass's statistics to `diagnostics` after the pipeline.
    public var passStatistics: Bool
    /// Where printed IR, timing and statistics go.
    public var diagnostics: TextSink
    /// Tensors with more elements than this go to a sidecar in dumps and are elided in printed IR.
    public var largeTensorThreshold: Int

    /// Creates settings; by default nothing is printed or dumped.
    public init(
        printIRAfterAll: Bool = false, printIRAfterChange: Bool = false, irTreeDirectory: String? = nil,
        passTiming: Bool = false, passStatistics: Bool = false, diagnostics: TextSink = .standardError,
        largeTensorThreshold: Int = 64
    ) {
        self.printIRAfterAll = printIRAfterAll
        self.printIRAfterChange = printIRAfterChange
        self.irTreeDirectory = irTreeDirectory
        self.passTiming = passTiming
        self.passStatistics = passStatistics
        self.diagnostics = diagnostics
        self.largeTensorThreshold = largeTensorThreshold
    }
}

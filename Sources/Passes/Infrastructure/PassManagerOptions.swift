import Foundation

/// Instrumentation settings for a `PassManager` (the CLI's `--print-ir-*` and `--pass-*` flags).
public struct PassManagerOptions {
    /// Print the IR to `diagnostics` after every pass.
    public var printIRAfterAll: Bool
    /// Print the IR to `diagnostics` after every pass that changed the model.
    public var printIRAfterChange: Bool
    /// Write numbered dumps (and a reproducer in `reproducer/` on failure) into this directory.
    public var irTreeDirectory: String?
    /// What each dump in `irTreeDirectory` is written as.
    public var irTreeFormat: IRDumpFormat
    /// On failure, write a reproducer into this directory (`ReproducerWriter`); nil writes one only with dumps.
    public var reproducerDirectory: String?
    /// Print a timing table to `diagnostics` after the pipeline.
    public var passTiming: Bool
    /// Print each pass's statistics to `diagnostics` after the pipeline.
    public var passStatistics: Bool
    /// Where printed IR, timing and statistics go.
    public var diagnostics: TextSink
    /// Tensors with more elements than this go to a sidecar in dumps and are elided in printed IR.
    public var largeTensorThreshold: Int

    /// Where a failed run's reproducer goes: `reproducerDirectory`, else `reproducer/` in the dump directory.
    public var effectiveReproducerDirectory: String? {
        reproducerDirectory ?? irTreeDirectory.map { ($0 as NSString).appendingPathComponent("reproducer") }
    }

    /// Creates settings; by default nothing is printed or dumped.
    public init(
        printIRAfterAll: Bool = false, printIRAfterChange: Bool = false, irTreeDirectory: String? = nil,
        reproducerDirectory: String? = nil, passTiming: Bool = false, passStatistics: Bool = false,
        diagnostics: TextSink = .standardError,
        largeTensorThreshold: Int = 64, irTreeFormat: IRDumpFormat = .onnxtxt
    ) {
        self.printIRAfterAll = printIRAfterAll
        self.printIRAfterChange = printIRAfterChange
        self.irTreeDirectory = irTreeDirectory
        self.reproducerDirectory = reproducerDirectory
        self.passTiming = passTiming
        self.passStatistics = passStatistics
        self.diagnostics = diagnostics
        self.largeTensorThreshold = largeTensorThreshold
        self.irTreeFormat = irTreeFormat
    }
}

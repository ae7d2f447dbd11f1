import Calibration

/// What a pass may use besides the model while it runs.
public struct PassContext {
    /// Receives remarks: one-line notes a user may want to see (the CLI prints them unless `--quiet`).
    public var remark: (String) -> Void
    /// Receives progress of long-running passes (calibration); the CLI draws it on stderr.
    public var progress: (ProgressUpdate) -> Void
    /// Where the samples for calibration come from; nil when the user gave none.
    public var calibrationData: CalibrationDataSource?
    /// Results one pass hands to a later one in the same pipeline run (calibration ranges, decisions).
    public let session: PipelineSession
    /// How many samples calibration runs at once (`--jobs`); one per core unless set.
    public var sampleWorkers = SampleWorkers.perCore

    /// Creates a context; remarks and progress are dropped unless handlers are given.
    public init(
        remark: @escaping (String) -> Void = { _ in },
        progress: @escaping (ProgressUpdate) -> Void = { _ in },
        calibrationData: CalibrationDataSource? = nil,
        session: PipelineSession = PipelineSession()
    ) {
        self.remark = remark
        self.progress = progress
        self.calibrationData = calibrationData
        self.session = session
    }
}

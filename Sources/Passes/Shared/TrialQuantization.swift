import Calibration
import OnnxIO
import OnnxIR

/// A copy of a model quantized by `insert-qdq` with given options, in a session of its own (so the real run's
/// decisions are not mixed with the trial's): what passes that prepare weights for `insert-qdq` (`correct-bias`,
/// `round-weights`) read to know exactly which weights it will quantize, and with which parameters.
enum TrialQuantization {
    /// The quantized copy of `model`; `pass` names it in errors.
    static func copy(
        of model: Model, insertOptions: [String: String], source: CalibrationDataSource, context: PassContext,
        pass: String
    ) throws -> Model {
        let copy = try ModelReader.read(
            data: try ModelWriter.serialize(model), path: "\(pass) trial copy", baseDirectory: nil)
        let session = PipelineSession()
        session.calibrationTable = context.session.calibrationTable
        // A method=auto table is checked once per run: the first trial's choice holds for every later one and for
        // insert-qdq itself (`PipelineSession.autoRangeCheck`).
        session.autoRangeCheck = context.session.autoRangeCheck
        var trialContext = PassContext(progress: context.progress, calibrationData: source, session: session)
        trialContext.sampleWorkers = context.sampleWorkers
        _ = try InsertQDQPass(options: insertOptions).run(on: copy, context: trialContext)
        context.session.autoRangeCheck = session.autoRangeCheck
        return copy
    }
}

/// A pass that quantizes a trial copy with `insert-qdq`'s options (`TrialQuantization`), so it reads from the
/// session what `insert-qdq` reads and is pinned in a reproducer the way `insert-qdq` is.
protocol InsertQDQTrialPass: SessionReadingPass {}

extension InsertQDQTrialPass {
    /// `calibrate` fills the ranges the trial quantization reads.
    public static var sessionWriters: [String] { InsertQDQPass.sessionWriters }

    /// Pins the session's calibration table the way `insert-qdq` does (same file, same option).
    public static func pinning(_ element: PipelineElement, session: PipelineSession, files: ReproducerFiles) throws
        -> PipelineElement
    {
        try InsertQDQPass.pinning(element, session: session, files: files)
    }
}

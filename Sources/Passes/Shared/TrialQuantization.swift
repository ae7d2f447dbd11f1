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
        var trialContext = PassContext(progress: context.progress, calibrationData: source, session: session)
        trialContext.sampleWorkers = context.sampleWorkers
        _ = try InsertQDQPass(options: insertOptions).run(on: copy, context: trialContext)
        return copy
    }
}

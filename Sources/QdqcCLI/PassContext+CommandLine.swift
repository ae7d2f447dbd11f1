import Calibration
import Passes

extension PassContext {
    /// The context a command runs a pipeline with: remarks on standard error naming the model (none when
    /// `quiet`), progress drawn by `progress`, and the command's calibration samples and `--jobs`.
    static func commandLine(
        model: String, quiet: Bool, progress: ProgressRenderer, calibration: CalibrationOptions
    ) -> PassContext {
        var context = PassContext(
            remark: { message in
                if !quiet { StandardError.write("remark: \(model): \(message)\n") }
            }, progress: progress.update, calibrationData: calibration.dataSource)
        context.sampleWorkers = calibration.sampleWorkers
        return context
    }
}

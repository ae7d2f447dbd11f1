/// A calibration run that cannot start or cannot finish, in one line naming the file, sample or input.
public enum CalibrationRunError: Error, Equatable, CustomStringConvertible {
    /// The pipeline calibrates but the user gave no samples.
    case noCalibrationData(pass: String)
    /// The source holds no sample (after `--calib-samples`).
    case noSamples(source: String)
    /// A graph input that random samples cannot be made for.
    case unsupportedRandomInput(name: String, reason: String)
    /// Running the model on a sample failed.
    case sampleFailed(sample: String, source: String, reason: String)

    /// The message, one line.
    public var description: String {
        switch self {
        case .noCalibrationData(let pass):
            return "pass '\(pass)' needs calibration samples: give a dataset with --calib-data PATH "
                + "(a folder of .npz files, one per sample), or --calib-random for seeded random inputs "
                + "(only to test the pipeline: the scales are meaningless for accuracy)"
        case .noSamples(let source):
            return "\(source): no calibration samples to run (check the folder and --calib-samples)"
        case .unsupportedRandomInput(let name, let reason):
            return "--calib-random: input '\(name)': \(reason)"
        case .sampleFailed(let sample, let source, let reason):
            return "\(source): sample '\(sample)': \(reason)"
        }
    }
}

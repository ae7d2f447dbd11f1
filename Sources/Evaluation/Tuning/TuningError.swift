/// Why `--tune` could not search.
public enum TuningError: Error, Equatable, CustomStringConvertible {
    /// The user's own settings could not be converted (they were checked as usage, so this names a bug or a model).
    case startSkipped(reason: String)
    /// The evaluation samples are the calibration samples: tuning on them would rank by what calibration saw.
    case noHeldBackSamples(note: String)

    /// One line.
    public var description: String {
        switch self {
        case .startSkipped(let reason):
            return "--tune: the starting setting (the command line's own) could not be converted: \(reason)"
        case .noHeldBackSamples(let note):
            return "--tune measures settings on samples calibration did not use, and there are none (\(note)); "
                + "give --eval-data, or --calib-samples below the calibration data's size"
        }
    }
}

/// Where calibration samples come from, as the user gave them (`--calib-data`, `--calib-random`, ...).
public struct CalibrationDataSource: Sendable, Equatable {
    /// The kinds of sample source.
    public enum Origin: Sendable, Equatable {
        /// A dataset on disk: a folder of `.npz`, a stacked `.npz`, a folder of `.npy` folders, or ONNX test-data sets.
        case files(path: String)
        /// Seeded random inputs shaped like the model's inputs; the scales mean nothing for accuracy.
        case random(seed: UInt64, sampleCount: Int)
    }

    /// Where the samples come from.
    public var origin: Origin
    /// Use at most this many samples (`--calib-samples`); nil takes all.
    public var sampleLimit: Int?
    /// A calibration table to reuse when it matches, and to write after calibrating (`--calib-table`).
    public var tablePath: String?

    /// Creates a source.
    public init(origin: Origin, sampleLimit: Int? = nil, tablePath: String? = nil) {
        self.origin = origin
        self.sampleLimit = sampleLimit
        self.tablePath = tablePath
    }
}

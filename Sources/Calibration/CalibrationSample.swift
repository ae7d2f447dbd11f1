import OnnxInterpreter

/// One sample of a calibration run, ready for the interpreter.
public struct CalibrationSample {
    /// The sample's name, for messages (a file name, or `random-<index>`).
    public let name: String
    /// The file it came from (or `--calib-random`), for messages.
    public let source: String
    /// The model inputs by graph input name.
    public let arrays: [String: NDArray]

    /// The cache inputs of a decoder with past the sample did not give, filled with an empty cache.
    public let emptyCache: [String]

    /// Creates a sample.
    public init(name: String, source: String, arrays: [String: NDArray], emptyCache: [String] = []) {
        self.name = name
        self.source = source
        self.arrays = arrays
        self.emptyCache = emptyCache
    }
}

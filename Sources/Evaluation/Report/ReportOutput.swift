/// The conversion's output model.
public struct ReportOutput: Sendable, Equatable, Codable {
    /// The path as the user gave it.
    public var path: String
    /// False when the accuracy gate failed and `--keep-on-failure` was not given.
    public var written: Bool

    /// Creates the entry.
    public init(path: String, written: Bool) {
        self.path = path
        self.written = written
    }
}

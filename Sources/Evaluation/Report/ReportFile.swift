/// A file the conversion read: its path as given and its SHA-256.
public struct ReportFile: Sendable, Equatable, Codable {
    /// The path as the user gave it.
    public var path: String
    /// Lower-case hex SHA-256 of the file's bytes.
    public var sha256: String

    /// Creates the entry.
    public init(path: String, sha256: String) {
        self.path = path
        self.sha256 = sha256
    }
}

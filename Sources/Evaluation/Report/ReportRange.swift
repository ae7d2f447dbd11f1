/// A closed range of real values.
public struct ReportRange: Sendable, Equatable, Codable {
    /// The low end.
    public var min: Double
    /// The high end.
    public var max: Double

    /// Creates a range.
    public init(min: Double, max: Double) {
        self.min = min
        self.max = max
    }
}

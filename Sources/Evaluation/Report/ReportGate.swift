/// The accuracy gate (`--min-sqnr`, `--max-drop`): each check and the verdict.
public struct ReportGate: Sendable, Equatable, Codable {
    /// True when every check passed.
    public var passed: Bool
    /// The checks in the order they ran.
    public var checks: [ReportGateCheck]

    /// Creates the entry; `passed` is derived from the checks.
    public init(checks: [ReportGateCheck]) {
        self.checks = checks
        passed = checks.allSatisfy(\.passed)
    }
}

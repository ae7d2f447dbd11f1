/// Why the test harness could not set up a cross-check.
public struct EcosystemError: Error, CustomStringConvertible {
    /// What is missing and how to fix it.
    public let description: String
}

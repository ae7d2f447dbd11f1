/// Why the test harness could not set up a cross-check.
struct EcosystemError: Error, CustomStringConvertible {
    /// What is missing and how to fix it.
    let description: String
}

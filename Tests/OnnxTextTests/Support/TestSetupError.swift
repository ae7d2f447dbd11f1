/// A test could not prepare what it checks against (a missing tool or file).
struct TestSetupError: Error, CustomStringConvertible {
    /// What is missing.
    var description: String
}

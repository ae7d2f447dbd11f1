/// A helper script that failed or printed something unexpected.
struct ScriptFailure: Error, CustomStringConvertible {
    /// What went wrong, with the script's output.
    let description: String
}

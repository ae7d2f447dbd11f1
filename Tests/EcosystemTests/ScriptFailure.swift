/// A helper script that failed or printed something unexpected, with what it said.
struct ScriptFailure: Error, CustomStringConvertible {
    /// The script's complaint.
    let description: String
}

/// The quantized model missed a bar of the accuracy gate; the command exits with `exitStatus`.
struct AccuracyGateFailure: Error, CustomStringConvertible {
    /// The documented exit status of a failed gate (docs/cli.md): distinct from 1 (error) and 64 (usage).
    static let exitStatus: Int32 = 3

    /// What failed, one line.
    let description: String
}

/// The quantized model missed a bar of the accuracy gate (the CLI exits with a status of its own for it).
public struct AccuracyGateFailure: Error, CustomStringConvertible, Equatable {
    /// What failed, one line.
    public let description: String

    /// Creates the failure.
    public init(description: String) {
        self.description = description
    }
}

import ArgumentParser

/// `--symmetric-activations` or `--asymmetric-activations`.
enum ActivationSymmetryFlag: String, EnumerableFlag {
    /// Zero point at the middle of the range.
    case symmetricActivations
    /// Zero point where the range puts it.
    case asymmetricActivations
}

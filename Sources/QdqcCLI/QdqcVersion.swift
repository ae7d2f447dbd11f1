/// The version `qdqc --version` prints.
public enum QdqcVersion {
    /// The current release.
    public static let current = "0.1.0"
}

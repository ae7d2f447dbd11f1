/// One operator set a model or function uses: a domain and its version.
public struct OpsetImport: Hashable, Sendable {
    /// The domain as written; nil when the file left the field out (the default domain).
    public var domainField: String?
    /// The operator set version.
    public var version: Int64

    /// The domain, with "" for the default ONNX domain.
    public var domain: String { domainField ?? "" }

    /// Creates an import of `domain` at `version`.
    public init(domain: String, version: Int64) {
        self.domainField = domain
        self.version = version
    }

    /// Creates an import keeping whether the domain field was present.
    public init(domainField: String?, version: Int64) {
        self.domainField = domainField
        self.version = version
    }

    /// Whether `domain` names the default ONNX domain (`""` or `ai.onnx`).
    public static func isDefaultDomain(_ domain: String) -> Bool { domain.isEmpty || domain == "ai.onnx" }
}

/// A model-local function: a subgraph that nodes call like an operator.
public final class Function {
    /// The function's name (the op type callers use).
    public var name: String?
    /// The domain callers use.
    public var domain: String?
    /// Distinguishes functions that share a name and domain.
    public var overload: String?
    /// Names of the attributes the function takes, without defaults.
    public var attributeNames: [String]
    /// Attributes the function takes, with defaults.
    public var attributeDefaults: [Attribute]
    /// The body: inputs (untyped), outputs, nodes and value_info.
    public var body: Graph
    /// Operator sets the body uses.
    public var opsetImports: [OpsetImport]
    /// Documentation.
    public var docString: String?
    /// Metadata entries.
    public var metadataProps: [KeyValue]

    /// Creates a function.
    public init(
        name: String?, domain: String?, overload: String? = nil, attributeNames: [String] = [],
        attributeDefaults: [Attribute] = [], body: Graph, opsetImports: [OpsetImport] = [],
        docString: String? = nil, metadataProps: [KeyValue] = []
    ) {
        self.name = name
        self.domain = domain
        self.overload = overload
        self.attributeNames = attributeNames
        self.attributeDefaults = attributeDefaults
        self.body = body
        self.opsetImports = opsetImports
        self.docString = docString
        self.metadataProps = metadataProps
    }
}

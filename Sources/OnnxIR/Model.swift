/// An ONNX model: the main graph, the operator sets it uses, its functions and metadata.
public final class Model {
    /// `ir_version`, if written.
    public var irVersion: Int64?
    /// Operator sets in file order.
    public var opsetImports: [OpsetImport]
    /// The tool that wrote the model.
    public var producerName: String?
    /// That tool's version.
    public var producerVersion: String?
    /// The model's namespace (reverse DNS).
    public var domain: String?
    /// The model's own version number.
    public var modelVersion: Int64?
    /// Documentation.
    public var docString: String?
    /// The main graph.
    public var graph: Graph
    /// Metadata entries.
    public var metadataProps: [KeyValue]
    /// Training information.
    public var trainingInfo: [TrainingInfo]
    /// Model-local functions.
    public var functions: [Function]
    /// Device configurations.
    public var configurations: [DeviceConfiguration]

    /// Creates a model.
    public init(
        graph: Graph, irVersion: Int64? = nil, opsetImports: [OpsetImport] = [], producerName: String? = nil,
        producerVersion: String? = nil, domain: String? = nil, modelVersion: Int64? = nil,
        docString: String? = nil, metadataProps: [KeyValue] = [], trainingInfo: [TrainingInfo] = [],
        functions: [Function] = [], configurations: [DeviceConfiguration] = []
    ) {
        self.graph = graph
        self.irVersion = irVersion
        self.opsetImports = opsetImports
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.domain = domain
        self.modelVersion = modelVersion
        self.docString = docString
        self.metadataProps = metadataProps
        self.trainingInfo = trainingInfo
        self.functions = functions
        self.configurations = configurations
    }

    /// The imported version of `domain` ("" or "ai.onnx" for the default domain), if imported.
    public func opsetVersion(for domain: String) -> Int64? {
        let isDefault = OpsetImport.isDefaultDomain(domain)
        return opsetImports.first { isDefault ? OpsetImport.isDefaultDomain($0.domain) : $0.domain == domain }?
            .version
    }

    /// Sets the imported version of `domain`, adding the import if missing.
    public func setOpsetVersion(_ version: Int64, for domain: String) {
        let isDefault = OpsetImport.isDefaultDomain(domain)
        if let index = opsetImports.firstIndex(where: {
            isDefault ? OpsetImport.isDefaultDomain($0.domain) : $0.domain == domain
        }) {
            opsetImports[index].version = version
        } else {
            opsetImports.append(OpsetImport(domain: domain, version: version))
        }
    }
}

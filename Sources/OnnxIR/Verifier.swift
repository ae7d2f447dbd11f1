/// Checks the rules every model qdqc reads or writes must keep.
///
/// Single definition per graph, inputs defined before use (in the graph or the
/// graphs around it), defined outputs, an opset import for every domain, use
/// lists that match the nodes' inputs, and initializers whose data fits their dims. Throws the first problem, naming it.
public struct Verifier {
    /// Whether node domains must appear in the model's (or function's) opset imports.
    public var checkOpsetImports: Bool

    /// Creates a verifier.
    public init(checkOpsetImports: Bool = true) { self.checkOpsetImports = checkOpsetImports }

    /// Verifies the model's graphs, its training graphs and its functions.
    public func verify(_ model: Model) throws {
        let functionDomains = Set(model.functions.compactMap(\.domain))
        let imported = Set(model.opsetImports.map { normalize($0.domain) })
        try verify(graph: model.graph, visible: [], imported: imported, functionDomains: functionDomains)
        let mainScope = Set(model.graph.definedValues().map(ObjectIdentifier.init))
        for info in model.trainingInfo {
            for graph in [info.initialization, info.algorithm].compactMap({ $0 }) {
                try verify(graph: graph, visible: mainScope, imported: imported, functionDomains: functionDomains)
            }
        }
        for function in model.functions {
            let functionImports = Set(function.opsetImports.map { normalize($0.domain) }).union(imported)
            try verify(graph: function.body, visible: [], imported: functionImports, functionDomains: functionDomains)
        }
    }

    /// Verifies one graph given the values visible from the graphs around it.
    public func verify(
        graph: Graph, visible outerVisible: Set<ObjectIdentifier>, imported: Set<String>,
        functionDomains: Set<String>
    ) throws {
        var uses = UseIndex()
        try verify(
            graph: graph, scope: VisibleValues(outer: nil, initial: outerVisible), imported: imported,
            functionDomains: functionDomains, uses: &uses)
    }

    private func verify(
        graph: Graph, scope outer: VisibleValues, imported: Set<String>, functionDomains: Set<String>,
        uses: inout UseIndex
    ) throws {
        let visible = VisibleValues(outer: outer)
        var names = Set<String>()
        var inputs: Set<ObjectIdentifier>?
        for value in graph.inputs + graph.initializers + graph.sparseInitializers {
            if !outer.contains(value) && visible.insert(value) {
                if names.insert(value.name).inserted { continue }
                // A value both input and initializer (old models) is one definition; build the set once.
                let graphInputs = inputs ?? Set(graph.inputs.map(ObjectIdentifier.init))
                inputs = graphInputs
                guard graphInputs.contains(ObjectIdentifier(value)) && value.isConstant else {
                    throw IRError.duplicateDefinition(name: value.name, graph: graph.displayName)
                }
            }
        }
        for value in graph.initializers {
            if let tensor = value.initializer, let problem = TensorCheck.problem(tensor) {
                throw IRError.invalidTensor(tensor: value.name, reason: problem)
            }
        }
        let later = Set(graph.nodes.flatMap { $0.outputs.compactMap { $0.map(ObjectIdentifier.init) } })
        for node in graph.nodes {
            for (index, input) in node.inputs.enumerated() {
                guard let input else { continue }
                if !visible.contains(input) {
                    if later.contains(ObjectIdentifier(input)) {
                        throw IRError.notTopologicallySorted(node: node.displayName, value: input.name)
                    }
                    throw IRError.undefinedValue(name: input.name, node: node.displayName)
                }
                guard uses.contains(input, node: node, inputIndex: index) else {
                    throw IRError.inconsistentUses(value: input.name, reason: "missing use by '\(node.displayName)'")
                }
            }
            if node.attributes.count > 1 {
                // ONNX's checker refuses a repeated attribute; which of the two an engine reads is anyone's guess.
                var seen = Set<String>()
                for attribute in node.attributes where !seen.insert(attribute.name).inserted {
                    throw IRError.invalidModel(
                        "node '\(node.displayName)' has attribute '\(attribute.name)' more than once")
                }
            }
            if checkOpsetImports {
                let domain = normalize(node.domain)
                if !imported.contains(domain) && !functionDomains.contains(node.domain) {
                    throw IRError.missingOpsetImport(domain: node.domain, node: node.displayName)
                }
            }
            for subgraph in node.subgraphs {
                try verify(
                    graph: subgraph, scope: visible, imported: imported, functionDomains: functionDomains, uses: &uses)
            }
            for output in node.outputs.compactMap({ $0 }) {
                guard names.insert(output.name).inserted else {
                    throw IRError.duplicateDefinition(name: output.name, graph: graph.displayName)
                }
                visible.insert(output)
            }
        }
        for output in graph.outputs where !visible.contains(output) {
            throw IRError.undefinedOutput(name: output.name, graph: graph.displayName)
        }
    }

    private func normalize(_ domain: String) -> String { OpsetImport.isDefaultDomain(domain) ? "" : domain }
}

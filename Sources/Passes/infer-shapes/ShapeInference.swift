import OnnxIR

/// One run of shape inference over a model: walks every graph in order, writing what it infers into values.
///
/// A class because the walk accumulates state as it goes (the known contents
/// of shape tensors and the counters); a new one is made for every run.
final class ShapeInference {
    /// Values whose type this run set or made more precise.
    private(set) var typedValues = 0
    /// What the run has to tell: declared intermediate shapes it replaced.
    private(set) var remarks: [String] = []
    private let opset: Int64
    private var contents: [ObjectIdentifier: [Dimension]] = [:]

    /// Prepares a run over a model that imports the default domain at `opset`.
    init(opset: Int64) { self.opset = opset }

    /// Infers every node of `graph` and of the graphs nested in it.
    func infer(_ graph: Graph) throws {
        var annotated = Set(graph.valueInfo.map(ObjectIdentifier.init))
        for node in graph.nodes {
            try prepareSubgraphs(of: node)
            let context = makeContext(for: node)
            if OpsetImport.isDefaultDomain(node.domain), let rule = ShapeRules.rule(for: node.opType) {
                let inferred = try rule(context)
                for (output, signature) in zip(node.outputs, inferred) {
                    guard let output, let signature else { continue }
                    try apply(signature, to: output, node: node, graph: graph, annotated: &annotated)
                }
            }
            if let output = node.outputs.first ?? nil, let known = try ShapeContents.contents(context) {
                contents[ObjectIdentifier(output)] = known
            }
        }
    }

    /// What the rules say about `node`'s outputs from its inputs' current types and constants alone.
    ///
    /// Used to size a node's results before computing them; a node the rules
    /// reject or do not know gives no signatures.
    static func outputSignatures(of node: Node, opset: Int64) -> [TensorSignature?] {
        guard OpsetImport.isDefaultDomain(node.domain), let rule = ShapeRules.rule(for: node.opType) else { return [] }
        let context = ShapeInference(opset: opset).makeContext(for: node)
        return (try? rule(context)) ?? []
    }

    /// Node outputs in `graph` and the graphs nested in it whose element type or rank is still unknown.
    static func unknownValues(in graph: Graph) -> Int {
        graph.allNodes().flatMap { $0.outputs.compactMap { $0 } }.filter { value in
            guard let signature = TensorSignature(value.type) else { return true }
            return signature.elementType == nil || signature.dimensions == nil
        }.count
    }

    /// Infers nested graphs before their node: If outputs come from the branches, Loop's and Scan's from the body.
    private func prepareSubgraphs(of node: Node) throws {
        if node.opType == "Loop", OpsetImport.isDefaultDomain(node.domain),
            let body = node.attribute("body")?.subgraphs.first
        {
            try seedLoopBody(body, of: node)
        }
        if node.opType == "Scan", OpsetImport.isDefaultDomain(node.domain), opset >= 9,
            let body = node.attribute("body")?.subgraphs.first
        {
            try seedScanBody(body, of: node)
        }
        for subgraph in node.subgraphs { try infer(subgraph) }
    }

    /// Gives the body's inputs the types the Loop passes in: the iteration number, the condition, the carried values.
    private func seedLoopBody(_ body: Graph, of node: Node) throws {
        var annotated = Set<ObjectIdentifier>()
        for (index, input) in body.inputs.enumerated() {
            let signature: TensorSignature?
            switch index {
            case 0: signature = TensorSignature(.int64, [])
            case 1: signature = TensorSignature(.bool, [])
            default:
                let outer = index < node.inputs.count ? node.inputs[index] : nil
                signature = outer.flatMap { TensorSignature(of: $0) }.map { TensorSignature($0.elementType, nil) }
            }
            guard let signature else { continue }
            try apply(signature, to: input, node: node, graph: body, annotated: &annotated)
        }
    }

    /// Gives the body's inputs what Scan (opset 9+) passes in: the state values as they are, and one
    /// slice of each scan input (its scan axis, `scan_input_axes`, default 0, removed).
    private func seedScanBody(_ body: Graph, of node: Node) throws {
        guard let scanInputs = node.attribute("num_scan_inputs")?.int, scanInputs >= 0,
            Int(scanInputs) <= node.inputs.count
        else { return }
        let states = node.inputs.count - Int(scanInputs)
        let axes = node.attribute("scan_input_axes")?.ints
        var annotated = Set<ObjectIdentifier>()
        for (index, input) in body.inputs.enumerated() where index < node.inputs.count {
            guard let outer = node.inputs[index], var signature = TensorSignature(of: outer) else { continue }
            if index >= states, var dimensions = signature.dimensions {
                let scanIndex = index - states
                var axis = Int(axes.flatMap { scanIndex < $0.count ? $0[scanIndex] : nil } ?? 0)
                if axis < 0 { axis += dimensions.count }
                guard axis >= 0, axis < dimensions.count else { continue }
                dimensions.remove(at: axis)
                signature.dimensions = dimensions
            }
            try apply(signature, to: input, node: node, graph: body, annotated: &annotated)
        }
    }

    private func makeContext(for node: Node) -> ShapeRuleContext {
        let inputs = node.inputs.map { $0.flatMap { TensorSignature(of: $0) } }
        let constants = node.inputs.map { $0.flatMap(ConstantData.tensor(of:)) }
        let known: [[Dimension]?] = node.inputs.enumerated().map { index, value in
            guard let value else { return nil }
            if let followed = contents[ObjectIdentifier(value)] { return followed }
            return constants[index].flatMap(ShapeContents.contents(ofConstant:))
        }
        return ShapeRuleContext(node: node, opset: opset, inputs: inputs, contents: known, constants: constants)
    }

    /// Merges `inferred` into `value`'s type, never contradicting what is declared.
    private func apply(
        _ inferred: TensorSignature, to value: Value, node: Node, graph: Graph, annotated: inout Set<ObjectIdentifier>
    ) throws {
        guard !inferred.isEmpty else { return }
        let existing = value.type
        if let existing, TensorSignature(existing) == nil { return }
        let merged: ValueType?
        do {
            merged = try TypeMerge.merge(declared: existing, inferred: inferred, value: value, node: node)
        } catch let conflict as ShapeInferenceError {
            guard let replaced = Self.replacingHint(existing, of: value, with: inferred) else { throw conflict }
            // A declared intermediate shape is a hint an exporter may have got wrong (ONNX Runtime runs such
            // models); the rules follow the operators' definitions, so they win, and the user is told.
            remarks.append(conflict.message + "; the declaration is a hint, the inferred shape is kept")
            merged = replaced
        }
        guard let merged else { return }
        value.type = merged
        typedValues += 1
        let isNodeOutput = value.producer != nil
        // The value's own output slots, not a scan of the graph's outputs per value (n² for n outputs).
        let isGraphOutput = value.isGraphOutput && value.graph === graph
        if isNodeOutput, !isGraphOutput, annotated.insert(ObjectIdentifier(value)).inserted {
            graph.valueInfo.append(value)
        }
    }

    /// The inferred type in place of `declared` when only the shape of an intermediate value (a node output
    /// that is no graph's output) disagrees; nil when the conflict must stay an error.
    private static func replacingHint(_ declared: ValueType?, of value: Value, with inferred: TensorSignature)
        -> ValueType?
    {
        guard value.producer != nil, !value.isAnyGraphOutput, let dimensions = inferred.dimensions else { return nil }
        let declaredType = TensorSignature(declared)?.elementType
        if let declaredType, let inferredType = inferred.elementType, declaredType != inferredType { return nil }
        return ValueType(
            .tensor(elementType: declaredType ?? inferred.elementType, shape: Shape(dimensions)),
            denotation: declared?.denotation)
    }
}

import OnnxIR
import OnnxInterpreter

/// The work of one `fold-constants` run: walks each graph in order, replacing foldable nodes by initializers.
///
/// Walking in order means a node whose inputs were just folded is folded in
/// the same run, so a whole constant chain collapses at once.
struct ConstantFolder {
    /// Random operators, whose results must not be frozen; Dropout is left to `eliminate-identity`.
    static let neverFolded: Set<String> = [
        "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli", "Dropout",
    ]

    let model: Model
    let maxElements: Int
    let remark: (String) -> Void
    private(set) var statistics = ConstantFoldingStatistics()
    private let opset: Int64
    private let supported: Set<String>

    init(model: Model, maxElements: Int, remark: @escaping (String) -> Void) {
        self.model = model
        self.maxElements = maxElements
        self.remark = remark
        self.opset = model.opsetVersion(for: "") ?? InferShapesPass.latestKnownOpset
        self.supported = Set(Interpreter.supportedOperators)
    }

    /// Folds `graph` and the graphs nested in it.
    mutating func fold(_ graph: Graph) throws {
        for node in graph.nodes {
            for subgraph in node.subgraphs { try fold(subgraph) }
            guard node.graph === graph, isCandidate(node) else { continue }
            if node.opType == "Constant" {
                guard let tensor = ConstantData.tensor(ofConstantNode: node) else { continue }
                try replace(node, with: [tensor], in: graph)
                statistics.constantNodes += 1
            } else if let shape = staticShapeResult(of: node) {
                try replace(node, with: [shape], in: graph)
                statistics.foldedShapes += 1
            } else if let results = try evaluate(node) {
                try replace(node, with: results, in: graph)
                statistics.foldedNodes += 1
            }
        }
    }

    /// A default-domain node without subgraphs or randomness whose outputs no graph declares as its own.
    private func isCandidate(_ node: Node) -> Bool {
        guard OpsetImport.isDefaultDomain(node.domain), node.subgraphs.isEmpty, !Self.neverFolded.contains(node.opType)
        else { return false }
        let outputs = node.outputs.compactMap { $0 }
        return !outputs.isEmpty && outputs.allSatisfy { !$0.isAnyGraphOutput }
    }

    /// Shape or Size of a value whose type is fully static.
    private func staticShapeResult(of node: Node) -> Tensor? {
        guard node.opType == "Shape" || node.opType == "Size", node.outputs.count == 1,
            let input = node.inputs.first ?? nil, let dimensions = TensorSignature(of: input)?.dimensions
        else { return nil }
        let sizes = dimensions.compactMap(\.value)
        guard sizes.count == dimensions.count else { return nil }
        if node.opType == "Size" {
            var count: Int64 = 1
            for size in sizes {
                let (product, overflow) = count.multipliedReportingOverflow(by: size)
                if overflow { return nil }
                count = product
            }
            return Tensor.int64s([count], dims: [])
        }
        let start = Self.clamp(node.attribute("start")?.int ?? 0, rank: sizes.count)
        let end = max(start, Self.clamp(node.attribute("end")?.int ?? Int64(sizes.count), rank: sizes.count))
        let selected = Array(sizes[start..<end])
        return Tensor.int64s(selected, dims: [Int64(selected.count)])
    }

    private static func clamp(_ value: Int64, rank: Int) -> Int {
        let resolved = value < 0 ? value + Int64(rank) : value
        return Int(min(max(resolved, 0), Int64(rank)))
    }

    /// Runs `node` on its constant inputs in the interpreter; nil when it cannot or should not be folded.
    private mutating func evaluate(_ node: Node) throws -> [Tensor]? {
        let inputs = node.inputs.compactMap { $0 }
        guard !inputs.isEmpty else { return nil }
        var constants: [Tensor?] = []
        for input in node.inputs {
            guard let input else {
                constants.append(nil)
                continue
            }
            guard let tensor = ConstantData.tensor(of: input) else { return nil }
            constants.append(tensor)
        }
        guard supported.contains("ai.onnx:" + node.opType) else {
            statistics.unevaluated += 1
            remark("did not fold '\(node.displayName)': the interpreter has no \(node.opType) kernel")
            return nil
        }
        if exceedsLimit(ShapeInference.outputSignatures(of: node, opset: opset)) {
            statistics.tooLarge += 1
            return nil
        }
        let results: [Tensor]
        do {
            results = try run(node, on: constants)
        } catch {
            statistics.unevaluated += 1
            remark("did not fold '\(node.displayName)': \(error)")
            return nil
        }
        if results.contains(where: { (ConstantData.elementCount($0) ?? Int.max) > maxElements }) {
            statistics.tooLarge += 1
            return nil
        }
        return results
    }

    /// Whether the rules already know a result will have more than `maxElements` elements.
    private func exceedsLimit(_ signatures: [TensorSignature?]) -> Bool {
        signatures.contains { signature in
            guard let dimensions = signature?.dimensions else { return false }
            let sizes = dimensions.compactMap(\.value)
            guard sizes.count == dimensions.count else { return false }
            var count: Int64 = 1
            for size in sizes {
                let (product, overflow) = count.multipliedReportingOverflow(by: size)
                if overflow { return true }
                count = product
            }
            return count > Int64(maxElements)
        }
    }

    /// A one-node model holding `node` with its constant inputs as initializers, run once.
    private func run(_ node: Node, on constants: [Tensor?]) throws -> [Tensor] {
        let graph = Graph(name: "fold")
        var inputs: [Value?] = []
        for (index, tensor) in constants.enumerated() {
            guard var tensor else {
                inputs.append(nil)
                continue
            }
            tensor.name = "input_\(index)"
            inputs.append(graph.addInitializer(tensor, name: "input_\(index)"))
        }
        let outputNames = node.outputs.enumerated().map { index, value in value == nil ? "" : "output_\(index)" }
        let copy = Node(
            opType: node.opType, domain: node.domainField, name: node.name, inputs: inputs, outputNames: outputNames,
            attributes: node.attributes)
        try graph.append(copy)
        try graph.setOutputs(copy.outputs.compactMap { $0 })
        let single = Model(graph: graph, irVersion: model.irVersion, opsetImports: model.opsetImports)
        let interpreter = try Interpreter(model: single, name: node.displayName)
        let arrays = try interpreter.run([:])
        return try graph.outputs.map { output in
            guard let array = arrays[output.name] else {
                throw IRError.invalidModel("the interpreter gave no value for output \(output.name)")
            }
            return array.tensor()
        }
    }

    /// Replaces `node`'s outputs (in order, skipping omitted ones) by initializers holding `tensors`, same names.
    ///
    /// One rewrite: the initializers take the outputs' names as the node goes,
    /// so no name is ever defined twice.
    private mutating func replace(_ node: Node, with tensors: [Tensor], in graph: Graph) throws {
        let outputs = node.outputs.compactMap { $0 }
        guard outputs.count == tensors.count else { return }
        let operands = node.inputs.compactMap { $0 }
        var rewrite = GraphRewrite()
        for (output, tensor) in zip(outputs, tensors) {
            var stored = tensor
            stored.name = output.name
            let value = rewrite.addInitializer(stored, name: output.name)
            rewrite.replaceAllUses(of: output, with: value, graphOutputs: .leave)
        }
        rewrite.remove(node)
        try graph.apply(rewrite)
        for operand in operands where try GraphSurgery.removeIfUnused(operand, in: graph) {
            statistics.removedConstants += 1
        }
    }
}

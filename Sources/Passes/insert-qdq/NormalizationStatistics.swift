import OnnxIR

/// The nodes of a graph that compute the statistics of a decomposed normalization (mean, variance,
/// their broadcasts and the reciprocal deviation), which stay float for every target.
///
/// Exporters that do not emit LayerNormalization (jax2tf, Keras, older opsets) write it out of
/// elementwise ops, and some forms cannot become one LayerNormalization (normalizing an axis that is
/// not the last). Quantizing that arithmetic destroys it: `E[x²] − E[x]²` in 8 bits cancels to noise
/// (on magika, `--target ort` fell to −2.4 dB output SQNR; keeping the statistics float gave 19.5 dB).
/// Integer kernels gain nothing there either, since the statistics are one value per row.
///
/// A reduction (ReduceMean, ReduceSum, ReduceSumSquare) of a tensor `x` starts a statistic. The
/// statistic grows through elementwise and shape ops whose floating-point inputs are all statistics
/// or constants. It is a normalization statistic when it is combined, by an elementwise op, with the
/// tensor it was reduced from (`Sub(x, mean)`, `Mul(x - mean, rstd)`); the combining op itself is not
/// a statistic and is quantized as usual. Ops that only feed such reductions (`Mul(x, x)`, `Pow(d, 2)`)
/// are statistics too. A reduction that never meets its source again (global pooling into a Gemm) is
/// not touched.
struct NormalizationStatistics {
    /// The statistic nodes, by identity.
    let nodes: Set<ObjectIdentifier>

    private static let reductions: Set<String> = ["ReduceMean", "ReduceSum", "ReduceSumSquare"]
    private static let elementwise: Set<String> = [
        "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Reciprocal", "Max", "Min", "Neg", "Abs", "Reshape", "Expand",
        "Unsqueeze", "Squeeze", "Cast", "Identity",
    ]

    /// Finds the normalization statistics of `graph` (its own nodes, not nested graphs').
    init(graph: Graph) {
        // Statistic nodes in topological order, each linked to the statistic nodes that feed it.
        var component = ComponentLinks()
        var statisticOf: [ObjectIdentifier: ObjectIdentifier] = [:]  // value -> producing statistic node
        var sourcesOf: [ObjectIdentifier: Set<ObjectIdentifier>] = [:]  // reduction -> what it reduced
        var feederOf: [ObjectIdentifier: Node] = [:]  // reduction -> the square it reads
        for node in graph.nodes {
            let id = ObjectIdentifier(node)
            if Self.isDefault(node, Self.reductions), let reduced = node.inputs.first ?? nil {
                let feeder = Self.feeder(of: reduced)
                feederOf[id] = feeder
                var sources: Set = [ObjectIdentifier(reduced)]
                if let base = feeder?.inputs.first ?? nil { sources.insert(ObjectIdentifier(base)) }
                sourcesOf[id] = sources
            } else if Self.isDefault(node, Self.elementwise) {
                let floatInputs = node.inputs.compactMap { $0 }.filter { $0.elementType?.isFloatingPoint ?? true }
                let feeding = floatInputs.compactMap { statisticOf[ObjectIdentifier($0)] }
                guard !feeding.isEmpty,
                    floatInputs.allSatisfy({ statisticOf[ObjectIdentifier($0)] != nil || ConstantData.isConstant($0) })
                else { continue }
                for other in feeding { component.link(id, other) }
            } else {
                continue
            }
            for output in node.outputs.compactMap({ $0 }) { statisticOf[ObjectIdentifier(output)] = id }
        }
        // What each component's reductions reduced, gathered once.
        var sourcesOfComponent: [ObjectIdentifier: Set<ObjectIdentifier>] = [:]
        for (reduction, sources) in sourcesOf {
            sourcesOfComponent[component.root(reduction), default: []].formUnion(sources)
        }
        // A component is a normalization when an op outside it combines it with what one of its reductions reduced.
        let statisticNodes = Set(statisticOf.values)
        var normalizations: Set<ObjectIdentifier> = []
        for node in graph.nodes
        where Self.isDefault(node, Self.elementwise) && !statisticNodes.contains(ObjectIdentifier(node)) {
            let inputs = node.inputs.compactMap { $0 }
            for input in inputs {
                guard let producer = statisticOf[ObjectIdentifier(input)] else { continue }
                let root = component.root(producer)
                let sources = sourcesOfComponent[root] ?? []
                if inputs.contains(where: { sources.contains(ObjectIdentifier($0)) }) { normalizations.insert(root) }
            }
        }
        var found: Set<ObjectIdentifier> = []
        for producer in statisticNodes where normalizations.contains(component.root(producer)) {
            found.insert(producer)
            if let feeder = feederOf[producer] { found.insert(ObjectIdentifier(feeder)) }
        }
        nodes = found
    }

    /// Whether `node` computes a normalization statistic.
    func contains(_ node: Node) -> Bool { nodes.contains(ObjectIdentifier(node)) }

    /// The `Mul(d, d)` or `Pow(d, constant)` that `reduced` comes from when only reductions read it.
    private static func feeder(of reduced: Value) -> Node? {
        guard let producer = reduced.producer, isDefault(producer, ["Mul", "Pow"]), producer.inputs.count == 2,
            reduced.uses.allSatisfy({ isDefault($0.node, reductions) }),
            let base = producer.inputs[0], let operand = producer.inputs[1]
        else { return nil }
        let squares = producer.opType == "Mul" && operand === base
        let power = producer.opType == "Pow" && ConstantData.isConstant(operand)
        return squares || power ? producer : nil
    }

    private static func isDefault(_ node: Node, _ opTypes: Set<String>) -> Bool {
        opTypes.contains(node.opType) && OpsetImport.isDefaultDomain(node.domain)
    }
}

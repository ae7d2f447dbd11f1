import OnnxIR

/// A decomposed LayerNormalization over the last axis, matched from its first ReduceMean.
///
/// `m = ReduceMean(x); d = Sub(x, m); p = Pow(d, 2) | Mul(d, d); v = ReduceMean(p); e = Add(v, eps);
/// s = Sqrt(e); n = Div(d, s) | Mul(d, Reciprocal(s)); g = Mul(n, gamma); y = Add(g, beta)` with the
/// Add of beta optional. Every intermediate value must be read only inside the pattern.
struct LayerNormPattern {
    /// The normalised input.
    let input: Value
    /// The per-element scale (gamma), a constant.
    let scale: Value
    /// The per-element bias (beta), a constant, if the pattern ends with its Add.
    let bias: Value?
    /// The epsilon added to the variance.
    let epsilon: Float
    /// The pattern's nodes in graph order.
    let nodes: [Node]
    /// The value the pattern computes (its last node's output).
    let output: Value
    /// The size of the normalised axis.
    let width: Int64

    /// Whether `node` starts a candidate: a ReduceMean whose only reader is `Sub(x, mean)` of the same `x`.
    static func isCandidate(_ node: Node) -> Bool {
        guard isDefault(node, "ReduceMean"), let input = node.inputs.first ?? nil, let mean = node.outputs.first ?? nil,
            let use = singleUse(mean)
        else { return false }
        return isDefault(use.node, "Sub") && use.inputIndex == 1 && use.node.inputs[0] === input
    }

    /// Matches the pattern starting at the candidate `first`, or says why it is not one.
    static func match(_ first: Node, in graph: Graph) -> Result<LayerNormPattern, FoldRefusal> {
        do {
            return .success(try matchOrThrow(first, in: graph))
        } catch let refusal as FoldRefusal {
            return .failure(refusal)
        } catch {
            return .failure(FoldRefusal("\(error)"))
        }
    }

    private static func matchOrThrow(_ first: Node, in graph: Graph) throws -> LayerNormPattern {
        guard let x = first.inputs[0], let mean = first.outputs[0], let subUse = singleUse(mean) else {
            throw FoldRefusal("it is not a ReduceMean read by one Sub")
        }
        guard let signature = TensorSignature(of: x), let dimensions = signature.dimensions,
            let type = signature.elementType,
            let width = dimensions.last?.value
        else { throw FoldRefusal("the shape of '\(x.name)' (its last dimension) is not known; run infer-shapes first") }
        guard [DataType.float, .float16, .double, .bfloat16].contains(type) else {
            throw FoldRefusal("'\(x.name)' is \(type), not a floating-point tensor")
        }
        try checkLastAxisMean(first, rank: dimensions.count)
        let sub = subUse.node
        guard let centered = sub.outputs.first ?? nil else { throw FoldRefusal("the Sub has no output") }
        let readers = Set(centered.uses.map { ObjectIdentifier($0.node) })
        guard readers.count == 2 else { throw FoldRefusal("'\(centered.name)' is not read by exactly two nodes") }
        let squareNode = try findSquare(of: centered)
        let meanOfSquares = try next(squareNode, "ReduceMean")
        try checkLastAxisMean(meanOfSquares, rank: dimensions.count)
        let addEpsilon = try next(meanOfSquares, "Add")
        guard let epsilonOperand = otherInput(of: addEpsilon, than: meanOfSquares.outputs[0]),
            let epsilon = ConstantData.tensor(of: epsilonOperand).flatMap(ConstantData.scalar)
        else { throw FoldRefusal("the epsilon added to the variance is not a one-element constant") }
        let sqrt = try next(addEpsilon, "Sqrt")
        var patternNodes = [first, sub, squareNode, meanOfSquares, addEpsilon, sqrt]
        let normalize: Node
        if let use = singleUse(sqrt.outputs[0]), isDefault(use.node, "Div"), use.inputIndex == 1 {
            normalize = use.node
        } else {
            let reciprocal = try next(sqrt, "Reciprocal")
            normalize = try next(reciprocal, "Mul")
            patternNodes.append(reciprocal)
        }
        guard normalize.inputs.contains(where: { $0 === centered }),
            readers == [ObjectIdentifier(squareNode), ObjectIdentifier(normalize)],
            !(normalize.opType == "Div" && normalize.inputs[0] !== centered)
        else { throw FoldRefusal("the centred input is not what the deviation divides") }
        patternNodes.append(normalize)
        let scaleNode = try next(normalize, "Mul")
        guard let scale = otherInput(of: scaleNode, than: normalize.outputs[0]), ConstantData.isConstant(scale) else {
            throw FoldRefusal("the scale (gamma) is not a constant")
        }
        patternNodes.append(scaleNode)
        var bias: Value?
        if let use = singleUse(scaleNode.outputs[0]), isDefault(use.node, "Add"),
            let candidate = otherInput(of: use.node, than: scaleNode.outputs[0]), ConstantData.isConstant(candidate)
        {
            bias = candidate
            patternNodes.append(use.node)
        }
        try checkParameters([scale] + (bias.map { [$0] } ?? []), width: width, type: type)
        guard let output = patternNodes.last?.outputs.first ?? nil else {
            throw FoldRefusal("the pattern has no output")
        }
        for node in patternNodes.dropLast() {
            for value in node.outputs.compactMap({ $0 }) where value.isAnyGraphOutput {
                throw FoldRefusal("the intermediate '\(value.name)' is a graph output")
            }
        }
        let ordered = patternNodes.sorted { (graph.index(of: $0) ?? 0) < (graph.index(of: $1) ?? 0) }
        return LayerNormPattern(
            input: x, scale: scale, bias: bias, epsilon: Float(epsilon), nodes: ordered, output: output, width: width)
    }

    // MARK: - Steps

    /// The single reader of `node`'s output, which must be a default-domain `opType` node.
    private static func next(_ node: Node, _ opType: String) throws -> Node {
        guard let output = node.outputs.first ?? nil, let use = singleUse(output), isDefault(use.node, opType) else {
            let name = node.outputs.first??.name ?? node.displayName
            throw FoldRefusal("'\(name)' is not read by exactly one \(opType)")
        }
        return use.node
    }

    /// `Pow(d, 2)` or `Mul(d, d)` among the readers of `centered`.
    private static func findSquare(of centered: Value) throws -> Node {
        for use in centered.uses {
            let node = use.node
            if isDefault(node, "Pow"), node.inputs.count == 2, node.inputs[0] === centered,
                let exponent = node.inputs[1],
                let value = ConstantData.tensor(of: exponent).flatMap(ConstantData.scalar),
                value == 2
            {
                return node
            }
            if isDefault(node, "Mul"), node.inputs.count == 2, node.inputs[0] === centered, node.inputs[1] === centered
            {
                return node
            }
        }
        throw FoldRefusal("the centred input is not squared by Pow(d, 2) or Mul(d, d)")
    }

    /// A ReduceMean over the last axis only, keeping dimensions.
    private static func checkLastAxisMean(_ node: Node, rank: Int) throws {
        if let keep = node.attribute("keepdims")?.int, keep == 0 {
            throw FoldRefusal("a ReduceMean drops the reduced axis (keepdims = 0)")
        }
        var axes = node.attribute("axes")?.ints
        if axes == nil, node.inputs.count > 1, let operand = node.inputs[1] {
            axes = ConstantData.tensor(of: operand).flatMap(ConstantData.int64s)
        }
        guard let axes, axes.count == 1, axes[0] == -1 || axes[0] == Int64(rank - 1) else {
            throw FoldRefusal("a ReduceMean is not over the last axis alone")
        }
    }

    /// The scale and bias must hold one value per element of the last axis, of the input's type.
    private static func checkParameters(_ values: [Value], width: Int64, type: DataType) throws {
        for value in values {
            guard let tensor = ConstantData.tensor(of: value), tensor.dataType == type,
                ConstantData.elementCount(tensor) == Int(width), tensor.dims.last == width,
                tensor.dims.dropLast().allSatisfy({ $0 == 1 })
            else {
                throw FoldRefusal("'\(value.name)' is not a \(type) constant of \(width) elements along the last axis")
            }
        }
    }

    private static func isDefault(_ node: Node, _ opType: String) -> Bool {
        node.opType == opType && OpsetImport.isDefaultDomain(node.domain)
    }

    private static func singleUse(_ value: Value?) -> Use? {
        guard let value else { return nil }
        let uses = value.uses
        return uses.count == 1 ? uses[0] : nil
    }

    private static func otherInput(of node: Node, than value: Value?) -> Value? {
        guard node.inputs.count == 2 else { return nil }
        if node.inputs[0] === value { return node.inputs[1] }
        if node.inputs[1] === value { return node.inputs[0] }
        return nil
    }
}

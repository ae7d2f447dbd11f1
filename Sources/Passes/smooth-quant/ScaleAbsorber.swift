import OnnxIR

/// Plans how the producers of an activation take the factors `1/s` so that the activation comes out
/// divided by `s` per channel, with no node added.
///
/// The producers that can: a LayerNormalization (its scale and bias, when they span the axes the
/// factors vary along), a Mul by a constant or a Div by a constant, a MatMul, Gemm or Conv with
/// constant weights (their output channels and bias), an Add or Sub of a constant, which passes
/// the factors on to its other operand's producer, and a Mul of two activations, which passes them
/// on to one of them. The factors also travel back through data movement with known shapes: a
/// Reshape whose groups of axes keep the scaled elements in place, a Transpose (permuting them), an
/// Expand whose copies all take the same factors (grouped-query attention), and a MatMul of two activations whose right operand they reach (attention's `softmax · V`) when they
/// vary only along its batch and column axes. A Cast of bools to float (a one-hot encoding) takes
/// them by becoming `Where(condition, 1/s, 0)`. Every value in between must have no other reader.
struct ScaleAbsorber {
    /// The graph being rewritten.
    let graph: Graph
    /// The model's default-domain opset (Where needs 9).
    let opset: Int64?

    /// The longest chain followed before giving up.
    private static let maximumDepth = 12

    /// The edits that make `value` come out multiplied by `field` (the activation's `1/s`).
    func plan(_ value: Value, field: FactorField) -> Result<AbsorptionPlan, SmoothingRefusal> {
        plan(value, field: field, depth: 0)
    }

    private func plan(_ value: Value, field: FactorField, depth: Int) -> Result<AbsorptionPlan, SmoothingRefusal> {
        guard let producer = value.producer, producer.graph === graph, OpsetImport.isDefaultDomain(producer.domain)
        else { return .failure(SmoothingRefusal("'\(value.name)' is not produced by a node of this graph")) }
        guard value.outputIndex == 0 else {
            return .failure(SmoothingRefusal("'\(value.name)' is not the first output of '\(producer.displayName)'"))
        }
        guard depth < Self.maximumDepth else {
            return .failure(SmoothingRefusal("no producer takes the factors within \(Self.maximumDepth) nodes"))
        }
        let refusal = SmoothingRefusal(
            "its producer '\(producer.displayName)' (\(producer.opType)) cannot take the factors")
        switch producer.opType {
        case "LayerNormalization":
            // Scale and bias must span the scaled axes themselves: widening them would break the op.
            var steps: [AbsorptionStep] = []
            for input in [1, 2] where input < producer.inputs.count {
                guard let operand = producer.inputs[input] else { continue }
                guard let tensor = ConstantData.tensor(of: operand), let scaled = field.scaling(tensor, widen: false)
                else { return .failure(refusal) }
                steps.append(.rescale(ConstantRescale(node: producer, input: input, tensor: scaled)))
            }
            guard !steps.isEmpty else { return .failure(refusal) }
            return .success(AbsorptionPlan(steps: steps, folding: .layerNormalization, path: [producer]))
        case "Mul" where constantOperand(of: producer) == nil:
            // x * y / s = x * (y / s): one factor's own producers may take it (a decomposed
            // LayerNormalization multiplies the normalized value by `rsqrt * gamma`).
            guard producer.inputs.count == 2 else { return .failure(refusal) }
            for operand in producer.inputs.reversed().compactMap({ $0 }) where isPrivate(operand, field: field) {
                if case .success(let inner) = plan(operand, field: field, depth: depth + 1) {
                    return .success(inner.prepending(producer))
                }
            }
            return .failure(refusal)
        case "Mul", "Div":
            guard let (constantIndex, _) = constantOperand(of: producer),
                producer.opType == "Mul" || constantIndex == 1,
                let tensor = producer.inputs[constantIndex].flatMap(ConstantData.tensor(of:)),
                let scaled = field.scaling(tensor, reciprocal: producer.opType == "Div", widen: true)
            else { return .failure(refusal) }
            return .success(
                AbsorptionPlan(
                    steps: [.rescale(ConstantRescale(node: producer, input: constantIndex, tensor: scaled))],
                    folding: .constants, path: [producer]))
        case "Add", "Sub":
            guard let (constantIndex, other) = constantOperand(of: producer),
                let tensor = producer.inputs[constantIndex].flatMap(ConstantData.tensor(of:)),
                let scaled = field.scaling(tensor, widen: true)
            else { return .failure(refusal) }
            guard isPrivate(other, field: field) else {
                return .failure(SmoothingRefusal("'\(other.name)' before '\(producer.displayName)' has other readers"))
            }
            return plan(other, field: field, depth: depth + 1).map {
                $0.prepending(
                    producer, steps: [.rescale(ConstantRescale(node: producer, input: constantIndex, tensor: scaled))])
            }
        case "MatMul" where producer.inputs.count == 2 && !(producer.inputs[1].map(ConstantData.isConstant) ?? true):
            return planRightOperand(of: producer, output: value, field: field, depth: depth)
        case "MatMul", "Gemm", "Conv":
            return planWeights(of: producer, field: field).map {
                AbsorptionPlan(steps: $0.map { .rescale($0) }, folding: .producerWeights, path: [producer])
            }.mapError { _ in refusal }
        case "Transpose":
            let written = intsAttribute(producer, "perm")
            guard let input = producer.inputs.first ?? nil, let rank = written?.count ?? input.shape?.rank else {
                return .failure(SmoothingRefusal("the rank of the input of '\(producer.displayName)' is not known"))
            }
            let perm = written ?? Array((0..<rank).reversed())
            guard let before = field.beforeTranspose(perm: perm) else {
                return .failure(
                    SmoothingRefusal("the factors do not fit the permutation of '\(producer.displayName)'"))
            }
            return follow(input, through: producer, field: before, depth: depth)
        case "Reshape", "Unsqueeze", "Squeeze", "Flatten":
            guard let input = producer.inputs.first ?? nil, let inputShape = input.shape, let outputShape = value.shape
            else {
                return .failure(SmoothingRefusal("the shapes around '\(producer.displayName)' are not known"))
            }
            guard let before = field.beforeReshape(from: LayoutSize.of(inputShape), to: LayoutSize.of(outputShape))
            else {
                return .failure(
                    SmoothingRefusal(
                        "'\(producer.displayName)' regroups the scaled axes in a way that cannot be followed back "
                            + "(\(inputShape) to \(outputShape))"))
            }
            return follow(input, through: producer, field: before, depth: depth)
        case "Expand":
            // Grouped-query attention copies each key/value head to several query heads: the copies can take
            // the factors only when all of them get the same ones (the pass ties those channels first).
            guard let input = producer.inputs.first ?? nil, let inputShape = input.shape, let outputShape = value.shape
            else {
                return .failure(SmoothingRefusal("the shapes around '\(producer.displayName)' are not known"))
            }
            let sizes = (from: LayoutSize.of(inputShape), to: LayoutSize.of(outputShape))
            guard let before = field.beforeExpand(from: sizes.from, to: sizes.to) else {
                return .failure(
                    SmoothingRefusal(
                        "'\(producer.displayName)' copies one value to channels with different factors",
                        ties: field.broadcastClasses(from: sizes.from, to: sizes.to)))
            }
            return follow(input, through: producer, field: before, depth: depth)
        case "Cast":
            // A 0/1 tensor made from bools (a one-hot encoding): Where(condition, factors, 0) is the same
            // tensor already multiplied by the factors.
            guard (opset ?? 0) >= 9, intAttribute(producer, "to") == Int64(DataType.float.rawValue),
                let condition = producer.inputs.first ?? nil, condition.elementType == .bool,
                let factors = field.scaling(Tensor.floats([1], dims: []), widen: true)
            else { return .failure(refusal) }
            return .success(
                AbsorptionPlan(
                    steps: [.castToWhere(node: producer, factors: factors)], folding: .constants, path: [producer]))
        default:
            return .failure(refusal)
        }
    }

    /// `MatMul(A, B)` with an activation `B`: the factors move to `B` when they vary only along the
    /// batch axes and the columns of the output.
    private func planRightOperand(of producer: Node, output: Value, field: FactorField, depth: Int) -> Result<
        AbsorptionPlan, SmoothingRefusal
    > {
        guard let right = producer.inputs[1], let outputRank = output.shape?.rank, let rightShape = right.shape,
            let before = field.beforeMatMulRightOperand(
                outputRank: outputRank, rightShape: Self.sizes(rightShape))
        else {
            return .failure(
                SmoothingRefusal(
                    "'\(producer.displayName)' multiplies two activations and the factors cannot pass to its right "
                        + "operand (they vary along its rows, or its shapes are not known)"))
        }
        return follow(right, through: producer, field: before, depth: depth)
    }

    /// Goes on to `input` of `node` with `field`, when `input` has no other reader.
    private func follow(_ input: Value, through node: Node, field: FactorField, depth: Int) -> Result<
        AbsorptionPlan, SmoothingRefusal
    > {
        guard isPrivate(input, field: field) else {
            return .failure(
                SmoothingRefusal(
                    "'\(input.name)' before '\(node.displayName)' has other readers or a shape the factors do not fit"))
        }
        return plan(input, field: field, depth: depth + 1).map { $0.prepending(node) }
    }

    /// The output-channel rescaling of a MatMul, Gemm or Conv with constant weights (and bias).
    private func planWeights(of producer: Node, field: FactorField) -> Result<[ConstantRescale], SmoothingRefusal> {
        let failure = Result<[ConstantRescale], SmoothingRefusal>.failure(SmoothingRefusal(""))
        guard producer.inputs.count >= 2, let weight = producer.inputs[1],
            let tensor = ConstantData.tensor(of: weight)
        else { return failure }
        let weightAxis: Int
        let outputAxis: Int
        var biasInput: Int?
        switch producer.opType {
        case "MatMul":
            guard tensor.dims.count == 2 else { return failure }
            (weightAxis, outputAxis) = (-1, -1)
        case "Gemm":
            guard tensor.dims.count == 2 else { return failure }
            let transB = producer.attribute("transB").flatMap { attribute -> Int64? in
                if case .int(let value) = attribute.value { return value }
                return nil
            }
            (weightAxis, outputAxis) = (transB == 1 ? -2 : -1, -1)
            biasInput = 2
        default:
            guard tensor.dims.count >= 3 else { return failure }
            (weightAxis, outputAxis) = (-tensor.dims.count, 1 - tensor.dims.count)
            biasInput = 2
        }
        guard let (inverse, _) = field.vector(alongAxisFromEnd: outputAxis),
            let scaledWeight = ChannelScaling.scaled(tensor, axisFromEnd: weightAxis, by: inverse),
            scaledWeight.dims == tensor.dims
        else { return failure }
        var steps = [ConstantRescale(node: producer, input: 1, tensor: scaledWeight)]
        if let biasInput, biasInput < producer.inputs.count, let bias = producer.inputs[biasInput] {
            guard let biasTensor = ConstantData.tensor(of: bias),
                let scaledBias = ChannelScaling.scaled(biasTensor, axisFromEnd: -1, by: inverse)
            else { return failure }
            steps.append(ConstantRescale(node: producer, input: biasInput, tensor: scaledBias))
        }
        return .success(steps)
    }

    /// Whether `value` may take `field`: one reader, no graph output, and a known shape (if any) that
    /// the field fits without widening it (widening would contradict its declared type).
    private func isPrivate(_ value: Value, field: FactorField) -> Bool {
        // Shape and Size read only the shape, which the factors leave as it is (exporters take the shape of the
        // key/value heads to expand them).
        let readers = value.uses.filter { !["Shape", "Size"].contains($0.node.opType) }
        guard readers.count == 1, !value.isGraphOutput, !ConstantData.isConstant(value),
            !value.isAnyGraphOutput
        else { return false }
        guard let shape = value.shape else { return true }
        return field.fits(Self.sizes(shape))
    }

    /// Each dimension's size, nil where unknown.
    ///
    /// A plain loop: Swift 6.3.1's release optimizer aborts ("Found ownership error") on
    /// `dimensions.map { $0.value.map(Int.init) }` in this type (docs/architecture.md).
    private static func sizes(_ shape: Shape) -> [Int?] {
        var sizes: [Int?] = []
        sizes.reserveCapacity(shape.rank)
        for dimension in shape.dimensions {
            if let size = dimension.value { sizes.append(Int(size)) } else { sizes.append(nil) }
        }
        return sizes
    }

    /// The index of the single constant operand of a binary node, and its other operand.
    private func constantOperand(of node: Node) -> (Int, Value)? {
        guard node.inputs.count == 2, let first = node.inputs[0], let second = node.inputs[1] else { return nil }
        switch (ConstantData.isConstant(first), ConstantData.isConstant(second)) {
        case (false, true): return (1, first)
        case (true, false): return (0, second)
        default: return nil
        }
    }

    /// An `int` attribute.
    private func intAttribute(_ node: Node, _ name: String) -> Int64? {
        guard let attribute = node.attribute(name), case .int(let value) = attribute.value else { return nil }
        return value
    }

    /// An `ints` attribute as `Int`s, with negative axes left as they are.
    private func intsAttribute(_ node: Node, _ name: String) -> [Int]? {
        guard let attribute = node.attribute(name), case .ints(let values) = attribute.value else { return nil }
        return values.map { Int(clamping: $0) }
    }
}

import OnnxIR

/// Plans how the producers of an activation take the factor `1/s` so that the activation comes out
/// divided by `s` per channel, with no node added.
///
/// The producers that can: a LayerNormalization (its scale and bias, when it normalizes over the
/// channel axis), a Mul by a constant or a Div by a constant, a MatMul, Gemm or Conv with
/// constant weights (their output channels and bias), an Add or Sub of a constant, which
/// passes the factor on to its other operand's producer, and a Mul of two activations, which
/// passes it on to one of them. Every value in between must have no other reader.
struct ScaleAbsorber {
    /// The graph being rewritten.
    let graph: Graph
    /// The activation's channel axis, counted from the end.
    let axisFromEnd: Int
    /// `s` per channel.
    let scales: [Float]
    /// `1/s` per channel.
    let inverse: [Float]

    /// The longest Add/Sub chain followed before giving up.
    private static let maximumDepth = 8

    /// The edits that make `value` come out divided by `s`, and where the factor ends up.
    func plan(_ value: Value) -> Result<([ConstantRescale], SmoothingRecord.Folding), SmoothingRefusal> {
        plan(value, depth: 0)
    }

    private func plan(_ value: Value, depth: Int) -> Result<
        ([ConstantRescale], SmoothingRecord.Folding), SmoothingRefusal
    > {
        guard let producer = value.producer, producer.graph === graph, OpsetImport.isDefaultDomain(producer.domain)
        else { return .failure(SmoothingRefusal("'\(value.name)' is not produced by a node of this graph")) }
        guard value.outputIndex == 0 else {
            return .failure(SmoothingRefusal("'\(value.name)' is not the first output of '\(producer.displayName)'"))
        }
        let refusal = SmoothingRefusal(
            "its producer '\(producer.displayName)' (\(producer.opType)) cannot take the factors")
        switch producer.opType {
        case "LayerNormalization":
            // Scale and bias must span the channel axis themselves: widening them would break the op.
            var steps: [ConstantRescale] = []
            for input in [1, 2] where input < producer.inputs.count {
                guard let operand = producer.inputs[input] else { continue }
                guard let tensor = ConstantData.tensor(of: operand), tensor.dims.count >= -axisFromEnd,
                    let scaled = ChannelScaling.scaled(tensor, axisFromEnd: axisFromEnd, by: inverse)
                else { return .failure(refusal) }
                steps.append(ConstantRescale(node: producer, input: input, tensor: scaled))
            }
            return steps.isEmpty ? .failure(refusal) : .success((steps, .layerNormalization))
        case "Mul" where constantOperand(of: producer) == nil:
            // x * y / s = x * (y / s): one factor's own producers may take it (a decomposed
            // LayerNormalization multiplies the normalized value by `rsqrt * gamma`).
            guard depth < Self.maximumDepth, producer.inputs.count == 2 else { return .failure(refusal) }
            for operand in producer.inputs.reversed().compactMap({ $0 }) where isPrivate(operand) {
                if case .success(let planned) = plan(operand, depth: depth + 1) { return .success(planned) }
            }
            return .failure(refusal)
        case "Mul", "Div":
            guard let (constantIndex, _) = constantOperand(of: producer),
                producer.opType == "Mul" || constantIndex == 1,
                let tensor = producer.inputs[constantIndex].flatMap(ConstantData.tensor(of:)),
                let scaled = ChannelScaling.scaled(
                    tensor, axisFromEnd: axisFromEnd, by: producer.opType == "Mul" ? inverse : scales)
            else { return .failure(refusal) }
            return .success(([ConstantRescale(node: producer, input: constantIndex, tensor: scaled)], .constants))
        case "Add", "Sub":
            guard depth < Self.maximumDepth, let (constantIndex, other) = constantOperand(of: producer),
                let tensor = producer.inputs[constantIndex].flatMap(ConstantData.tensor(of:)),
                let scaled = ChannelScaling.scaled(tensor, axisFromEnd: axisFromEnd, by: inverse)
            else { return .failure(refusal) }
            guard isPrivate(other) else {
                return .failure(SmoothingRefusal("'\(other.name)' before '\(producer.displayName)' has other readers"))
            }
            switch plan(other, depth: depth + 1) {
            case .failure(let inner): return .failure(inner)
            case .success(let (steps, folding)):
                return .success(
                    (steps + [ConstantRescale(node: producer, input: constantIndex, tensor: scaled)], folding))
            }
        case "MatMul", "Gemm", "Conv":
            return planWeights(of: producer).map { ($0, .producerWeights) }.mapError { _ in refusal }
        default:
            return .failure(refusal)
        }
    }

    /// The output-channel rescaling of a MatMul, Gemm or Conv with constant weights (and bias).
    private func planWeights(of producer: Node) -> Result<[ConstantRescale], SmoothingRefusal> {
        let failure = Result<[ConstantRescale], SmoothingRefusal>.failure(SmoothingRefusal(""))
        guard producer.inputs.count >= 2, let weight = producer.inputs[1],
            let tensor = ConstantData.tensor(of: weight)
        else { return failure }
        let weightAxis: Int
        var biasInput: Int?
        switch producer.opType {
        case "MatMul":
            guard axisFromEnd == -1, tensor.dims.count == 2 else { return failure }
            weightAxis = -1
        case "Gemm":
            guard axisFromEnd == -1, tensor.dims.count == 2 else { return failure }
            let transB = producer.attribute("transB").flatMap { attribute -> Int64? in
                if case .int(let value) = attribute.value { return value }
                return nil
            }
            weightAxis = transB == 1 ? -2 : -1
            biasInput = 2
        default:
            guard tensor.dims.count >= 3, axisFromEnd == 1 - tensor.dims.count else { return failure }
            weightAxis = -tensor.dims.count
            biasInput = 2
        }
        guard let scaledWeight = ChannelScaling.scaled(tensor, axisFromEnd: weightAxis, by: inverse),
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

    /// Whether `value` may change per channel: one reader, no graph output, and not a value whose
    /// known shape broadcasts along the channel axis (widening it would contradict its declared type).
    private func isPrivate(_ value: Value) -> Bool {
        guard value.uses.count == 1, !value.isGraphOutput, !ConstantData.isConstant(value),
            !GraphSurgery.isNeededBesidesUses(value, in: graph)
        else { return false }
        guard let shape = value.shape, shape.rank >= -axisFromEnd else { return value.shape == nil }
        let size = shape.dimensions[shape.rank + axisFromEnd].value
        return size == nil || size == Int64(scales.count)
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
}

import OnnxIR

/// Folds one BatchNormalization into the Conv, ConvTranspose, Gemm or MatMul that feeds it, when that is exact.
///
/// Exact means: the producer's only reader is the BatchNormalization, its
/// output is no graph output, its weight (and bias, if any) are float
/// constants, and the normalised axis (1) is the producer's output-channel
/// axis. The folded weight and bias are new initializers; the old constants
/// go once nothing reads them.
struct BatchNormFolder {
    /// The imported default-domain opset (Gemm needs 7 or later to broadcast its bias).
    let opset: Int64

    /// Folds `batchNorm` and returns the statistic to count it under, or why it stays.
    func fold(_ batchNorm: Node, in graph: Graph) throws -> Result<String, FoldRefusal> {
        let parameters: BatchNormParameters
        switch BatchNormParameters.read(batchNorm) {
        case .success(let read): parameters = read
        case .failure(let refusal): return .failure(refusal)
        }
        guard let input = batchNorm.inputs[0], let output = batchNorm.outputs.first ?? nil else {
            return .failure("it has no input or output")
        }
        for extra in batchNorm.outputs.dropFirst().compactMap({ $0 })
        where extra.hasUses || extra.isAnyGraphOutput {
            return .failure("its running statistics outputs are used")
        }
        guard let producer = input.producer, producer.graph === graph, OpsetImport.isDefaultDomain(producer.domain)
        else { return .failure("its input is not produced by a node in the same graph") }
        guard GraphSurgery.isUsedOnly(input, by: batchNorm), input.uses.count == 1 else {
            return .failure("'\(input.name)' has other readers or is a graph output")
        }
        var linear = producer
        var biasAdd: (node: Node, values: [Float])?
        if producer.opType == "Add" {
            switch channelBiasAdd(producer, channels: parameters.channels, in: graph) {
            case .success(let found):
                linear = found.convolution
                biasAdd = (producer, found.bias)
            case .failure(let refusal):
                return .failure(refusal)
            }
        }
        let intermediates = biasAdd.map { [$0.node] } ?? []
        let oldOperands = (intermediates + [linear, batchNorm]).flatMap { $0.inputs.dropFirst().compactMap { $0 } }
        let rewrite: Result<Node, FoldRefusal>
        switch linear.opType {
        case "Conv":
            rewrite = foldIntoConvolution(
                linear, parameters, transposed: false, extraBias: biasAdd?.values, graph: graph)
        case "ConvTranspose":
            rewrite = foldIntoConvolution(
                linear, parameters, transposed: true, extraBias: biasAdd?.values, graph: graph)
        case "Gemm": rewrite = foldIntoGemm(linear, parameters, graph: graph)
        case "MatMul": rewrite = try foldIntoMatMul(linear, parameters, graph: graph)
        default: return .failure("its input comes from \(linear.opType), not Conv, ConvTranspose, Gemm or MatMul")
        }
        let replacement: Node
        switch rewrite {
        case .success(let node): replacement = node
        case .failure(let refusal): return .failure(refusal)
        }
        guard let newOutput = replacement.outputs.first ?? nil else { return .failure("the rewrite has no output") }
        let removed = (replacement === linear ? [] : [linear]) + intermediates + [batchNorm]
        var surgery = GraphRewrite()
        surgery.takeOver(output, by: newOutput)
        for node in removed { surgery.remove(node) }
        try graph.apply(surgery)
        for operand in oldOperands { try GraphSurgery.removeIfUnused(operand, in: graph) }
        return .success("folded-" + Self.statisticName(linear.opType))
    }

    /// `Add(conv, c)` with `c` a per-channel float constant (`[C,1,..]` or `[1,C,1,..]`), as exporters write a
    /// convolution's bias: the constant joins the bias and the Add goes with the BatchNormalization.
    private func channelBiasAdd(_ add: Node, channels: Int, in graph: Graph)
        -> Result<(convolution: Node, bias: [Float]), FoldRefusal>
    {
        guard add.inputs.count == 2, let first = add.inputs[0], let second = add.inputs[1] else {
            return .failure("its input comes from an Add that is not binary")
        }
        let (data, constant) = ConstantData.isConstant(second) ? (first, second) : (second, first)
        guard let convolution = data.producer, convolution.graph === graph,
            ["Conv", "ConvTranspose"].contains(convolution.opType), OpsetImport.isDefaultDomain(convolution.domain),
            GraphSurgery.isUsedOnly(data, by: add), data.uses.count == 1
        else { return .failure("its input comes from Add, not from a convolution's bias Add") }
        guard let tensor = ConstantData.tensor(of: constant), let values = ConstantData.floats(tensor),
            values.count == channels, let rank = convolution.inputs[1].flatMap(ConstantData.tensor(of:))?.dims.count
        else { return .failure("the Add after the \(convolution.opType) is not a per-channel float constant") }
        let dims = tensor.dims
        let leading = dims.count == rank ? Array(dims.prefix(1)) : []
        let channelFirst = dims.count == rank ? Array(dims.dropFirst()) : dims
        guard dims.count == rank || dims.count == rank - 1, leading.allSatisfy({ $0 == 1 }),
            channelFirst.first == Int64(channels), channelFirst.dropFirst().allSatisfy({ $0 == 1 })
        else { return .failure("the Add after the \(convolution.opType) does not add one value per channel") }
        return .success((convolution, values))
    }

    private static func statisticName(_ opType: String) -> String {
        switch opType {
        case "ConvTranspose": return "conv-transpose"
        default: return opType.lowercased()
        }
    }

    // MARK: - Producers

    private func foldIntoConvolution(
        _ node: Node, _ parameters: BatchNormParameters, transposed: Bool, extraBias: [Float]?, graph: Graph
    ) -> Result<Node, FoldRefusal> {
        guard let (weight, values) = floatConstant(node, input: 1), weight.dims.count >= 3 else {
            return .failure("the \(node.opType) weight is not a float constant of rank 3 or more")
        }
        let dims = weight.dims.map(Int.init)
        let groupAttribute = node.attribute("group")?.int ?? 1
        guard groupAttribute > 0, groupAttribute <= Int64(dims[0]) else {
            return .failure("the \(node.opType) group \(groupAttribute) does not fit its weight")
        }
        let group = Int(groupAttribute)
        let inner = dims.dropFirst(2).reduce(1, *)
        let outputChannels = transposed ? dims[1] * group : dims[0]
        guard group > 0, outputChannels == parameters.channels, !transposed || dims[0] % group == 0 else {
            return .failure(
                "the \(node.opType) has \(outputChannels) output channels, the BatchNormalization \(parameters.channels)"
            )
        }
        guard let bias = optionalBias(node, input: 2, channels: outputChannels) else {
            return .failure("the \(node.opType) bias is not a 1-D float constant of \(outputChannels) elements")
        }
        var folded = values
        if transposed {
            let inputsPerGroup = dims[0] / group
            let outputsPerGroup = dims[1]
            for row in 0..<dims[0] {
                for column in 0..<outputsPerGroup {
                    let channel = (row / inputsPerGroup) * outputsPerGroup + column
                    let start = (row * outputsPerGroup + column) * inner
                    scale(&folded, range: start..<(start + inner), by: parameters.scale[channel])
                }
            }
        } else {
            let block = dims.dropFirst().reduce(1, *)
            for channel in 0..<outputChannels {
                scale(&folded, range: (channel * block)..<((channel + 1) * block), by: parameters.scale[channel])
            }
        }
        let newWeight = addInitializer(
            folded, dims: weight.dims, basedOn: node.inputs[1], suffix: "_folded", graph: graph)
        var combinedBias = bias.values
        if let extraBias {
            combinedBias = (0..<outputChannels).map { (combinedBias?[$0] ?? 0) + extraBias[$0] }
        }
        let newBias = addInitializer(
            parameters.foldedBias(combinedBias), dims: [Int64(outputChannels)], basedOn: bias.value,
            fallbackName: (node.inputs[1]?.name ?? "weight") + "_bias", suffix: "_folded", graph: graph)
        node.setInput(1, newWeight)
        setBias(of: node, at: 2, to: newBias)
        return .success(node)
    }

    private func foldIntoGemm(_ node: Node, _ parameters: BatchNormParameters, graph: Graph) -> Result<
        Node, FoldRefusal
    > {
        guard opset >= 7 else { return .failure("Gemm before opset 7 does not broadcast its bias") }
        guard let (weight, values) = floatConstant(node, input: 1), weight.dims.count == 2 else {
            return .failure("the Gemm B is not a 2-D float constant")
        }
        let transB = (node.attribute("transB")?.int ?? 0) != 0
        let rows = Int(weight.dims[0])
        let columns = Int(weight.dims[1])
        let channels = transB ? rows : columns
        guard channels == parameters.channels else {
            return .failure("the Gemm has \(channels) output columns, the BatchNormalization \(parameters.channels)")
        }
        let beta = Double(node.attribute("beta")?.float ?? 1)
        var bias: [Float]?
        if node.inputs.count > 2, let c = node.inputs[2] {
            guard let tensor = ConstantData.tensor(of: c), let values = ConstantData.floats(tensor),
                tensor.dims.count <= 2, tensor.dims.dropLast().allSatisfy({ $0 == 1 }),
                values.count == 1 || values.count == channels
            else { return .failure("the Gemm C is not a float constant of shape [], [N] or [1,N]") }
            bias = (0..<channels).map { Float(Double(values.count == 1 ? values[0] : values[$0]) * beta) }
        }
        var folded = values
        for row in 0..<rows {
            for column in 0..<columns {
                let index = row * columns + column
                folded[index] = Float(Double(folded[index]) * parameters.scale[transB ? row : column])
            }
        }
        let newWeight = addInitializer(
            folded, dims: weight.dims, basedOn: node.inputs[1], suffix: "_folded", graph: graph)
        let newBias = addInitializer(
            parameters.foldedBias(bias), dims: [Int64(channels)], basedOn: node.inputs.count > 2 ? node.inputs[2] : nil,
            fallbackName: (node.inputs[1]?.name ?? "B") + "_bias", suffix: "_folded", graph: graph)
        node.setInput(1, newWeight)
        setBias(of: node, at: 2, to: newBias)
        node.removeAttribute("beta")
        return .success(node)
    }

    /// A MatMul with a 2-D input and a 2-D constant weight becomes a Gemm carrying the folded bias.
    private func foldIntoMatMul(_ node: Node, _ parameters: BatchNormParameters, graph: Graph) throws
        -> Result<Node, FoldRefusal>
    {
        guard opset >= 7 else { return .failure("Gemm before opset 7 does not broadcast its bias") }
        guard let a = node.inputs[0], TensorSignature(of: a)?.rank == 2 else {
            return .failure("the MatMul input is not known to be 2-D, so axis 1 may not be its output channels")
        }
        guard let (weight, values) = floatConstant(node, input: 1), weight.dims.count == 2 else {
            return .failure("the MatMul weight is not a 2-D float constant")
        }
        let columns = Int(weight.dims[1])
        guard columns == parameters.channels else {
            return .failure("the MatMul has \(columns) output columns, the BatchNormalization \(parameters.channels)")
        }
        var folded = values
        for index in folded.indices {
            folded[index] = Float(Double(folded[index]) * parameters.scale[index % columns])
        }
        let newWeight = addInitializer(
            folded, dims: weight.dims, basedOn: node.inputs[1], suffix: "_folded", graph: graph)
        let newBias = addInitializer(
            parameters.foldedBias(nil), dims: [Int64(columns)], basedOn: nil,
            fallbackName: (node.inputs[1]?.name ?? "B") + "_bias", suffix: "_folded", graph: graph)
        let outputName = graph.uniqueName((node.outputs.first??.name ?? "matmul") + "_gemm")
        let gemm = Node(
            opType: "Gemm", domain: node.domainField, name: node.name, inputs: [a, newWeight, newBias],
            outputNames: [outputName])
        try graph.insert(gemm, before: node)
        return .success(gemm)
    }

    // MARK: - Helpers

    /// A float constant input with positive dimensions (so index arithmetic on them is safe).
    private func floatConstant(_ node: Node, input index: Int) -> (Tensor, [Float])? {
        guard index < node.inputs.count, let value = node.inputs[index], let tensor = ConstantData.tensor(of: value),
            tensor.dims.allSatisfy({ $0 > 0 }), let values = ConstantData.floats(tensor),
            values.count == ConstantData.elementCount(tensor)
        else { return nil }
        return (tensor, values)
    }

    /// The bias input: `.some((nil, nil))` when absent, nil when present but not a usable constant.
    private func optionalBias(_ node: Node, input index: Int, channels: Int) -> (value: Value?, values: [Float]?)? {
        guard index < node.inputs.count, let value = node.inputs[index] else { return (nil, nil) }
        guard let tensor = ConstantData.tensor(of: value), tensor.dims.count == 1,
            let values = ConstantData.floats(tensor), values.count == channels
        else { return nil }
        return (value, values)
    }

    private func scale(_ values: inout [Float], range: Range<Int>, by factor: Double) {
        for index in range { values[index] = Float(Double(values[index]) * factor) }
    }

    private func addInitializer(
        _ values: [Float], dims: [Int64], basedOn original: Value?, fallbackName: String = "weight", suffix: String,
        graph: Graph
    ) -> Value {
        let name = graph.uniqueName((original?.name ?? fallbackName) + suffix)
        return graph.addInitializer(Tensor.floats(values, dims: dims, name: name), name: name)
    }

    private func setBias(of node: Node, at index: Int, to value: Value) {
        while node.inputs.count < index { node.appendInput(nil) }
        if node.inputs.count == index {
            node.appendInput(value)
        } else {
            node.setInput(index, value)
        }
    }
}

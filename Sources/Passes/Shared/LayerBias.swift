import OnnxIR

/// The per-output-channel constant a `LinearLayer` adds: Conv's `B`, Gemm's `beta * C`, or the constant of an
/// `Add` right after the layer (how MatMul layers, and some exporters' convolutions, carry their bias).
///
/// Values are per output channel in double precision; `write` puts them back where they came from, or into a
/// new bias input where the layer had none and its op takes one (Conv, Gemm).
struct LayerBias {
    /// Where the values live.
    enum Location {
        /// The layer's own bias input (Conv 2, Gemm 2); absent inputs are created on write.
        case input
        /// Operand `operand` of an `Add` that reads the layer's output.
        case add(node: Node, operand: Int)
        /// No place for a bias: a MatMul not followed by an Add of a per-channel constant.
        case nowhere
    }

    /// The layer.
    let layer: Node
    /// Where the values live.
    let location: Location
    /// One value per output channel (zeros for an absent bias).
    var values: [Double]
    /// Gemm's `beta` (the stored C is `values / beta`); 1 elsewhere.
    let beta: Double

    /// The layer's bias, or why it cannot be read; `followingAdd` is the Add after the layer, if the caller
    /// found one reading the layer's output alone.
    static func read(_ layer: LinearLayer, followingAdd: Node?) -> Result<LayerBias, FoldRefusal> {
        let node = layer.node
        let channels = layer.outputChannels
        if let add = followingAdd { return readAdd(add, layer: layer) }
        let zeros = [Double](repeating: 0, count: channels)
        switch node.opType {
        case "Conv":
            guard node.inputs.count > 2, let value = node.inputs[2] else {
                return .success(LayerBias(layer: node, location: .input, values: zeros, beta: 1))
            }
            guard let tensor = ConstantData.tensor(of: value), tensor.dims.count == 1,
                let floats = ConstantData.floats(tensor), floats.count == channels
            else { return .failure("its bias is not a 1-D float32 constant of \(channels) elements") }
            return .success(LayerBias(layer: node, location: .input, values: floats.map(Double.init), beta: 1))
        case "Gemm":
            let beta = Double(node.attribute("beta")?.float ?? 1)
            guard beta != 0, beta.isFinite else { return .failure("its beta is \(beta)") }
            guard node.inputs.count > 2, let value = node.inputs[2] else {
                return .success(LayerBias(layer: node, location: .input, values: zeros, beta: beta))
            }
            guard let tensor = ConstantData.tensor(of: value), let floats = ConstantData.floats(tensor),
                tensor.dims.count <= 2, tensor.dims.dropLast().allSatisfy({ $0 == 1 }),
                floats.count == 1 || floats.count == channels
            else { return .failure("its C is not a float32 constant of shape [], [N] or [1,N]") }
            let values = (0..<channels).map { beta * Double(floats.count == 1 ? floats[0] : floats[$0]) }
            return .success(LayerBias(layer: node, location: .input, values: values, beta: beta))
        default:
            return .success(LayerBias(layer: node, location: .nowhere, values: zeros, beta: 1))
        }
    }

    /// The Add of a constant that alone reads a MatMul's output, where its bias lives (nil for other ops).
    static func followingAdd(of node: Node) -> Node? {
        guard node.opType == "MatMul" else { return nil }
        guard let output = node.outputs.first ?? nil, !output.isAnyGraphOutput, output.uses.count == 1,
            let add = output.uses.first?.node, add.opType == "Add", OpsetImport.isDefaultDomain(add.domain),
            add.graph === node.graph, add.inputs.contains(where: { $0.map(ConstantData.isConstant) ?? false })
        else { return nil }
        return add
    }

    /// An `Add(layer output, c)` with `c` a float32 constant holding one value per output channel on the
    /// layer's channel axis (axis 1 of a convolution's output, the last axis of a matrix product's).
    private static func readAdd(_ add: Node, layer: LinearLayer) -> Result<LayerBias, FoldRefusal> {
        guard add.inputs.count == 2, let output = layer.node.outputs.first ?? nil else {
            return .failure("the Add after it is not binary")
        }
        let operand = add.inputs[0] === output ? 1 : 0
        guard add.inputs[1 - operand] === output, let constant = add.inputs[operand],
            let tensor = ConstantData.tensor(of: constant), let floats = ConstantData.floats(tensor)
        else { return .failure("the Add after it does not add a float32 constant") }
        let dims = tensor.dims
        let channels = Int64(layer.outputChannels)
        // A convolution's output has the weight's rank and its channels on axis 1; the constant's axes align
        // with the output's last ones. A matrix product's channels are its last axis.
        var channelIndex = dims.count - 1
        if case .convolution = layer.layout {
            channelIndex = dims.count <= layer.dims.count ? 1 - (layer.dims.count - dims.count) : -1
        }
        guard channelIndex >= 0, dims[channelIndex] == channels,
            dims.indices.allSatisfy({ $0 == channelIndex || dims[$0] == 1 })
        else { return .failure("the Add after it does not add one value per output channel (shape \(dims))") }
        return .success(
            LayerBias(
                layer: layer.node, location: .add(node: add, operand: operand), values: floats.map(Double.init),
                beta: 1))
    }

    /// Whether the values can be written back (a MatMul without a following Add has nowhere to put them).
    var isWritable: Bool {
        if case .nowhere = location { return false }
        return true
    }

    /// Writes the values into a new initializer named after the old one (or the layer's weight) plus `suffix`,
    /// in the old one's shape; the old constant goes when nothing else reads it.
    func write(suffix: String, in graph: Graph) throws {
        let index: Int
        let reader: Node
        switch location {
        case .nowhere: return
        case .input:
            index = 2
            reader = layer
        case .add(let node, let operand):
            index = operand
            reader = node
        }
        let old = index < reader.inputs.count ? reader.inputs[index] : nil
        let oldDims = old.flatMap(ConstantData.tensor(of:))?.dims
        let dims: [Int64] =
            oldDims.flatMap { ElementCount.of($0) == values.count ? $0 : nil } ?? [Int64(values.count)]
        let base = old?.name ?? ((layer.inputs[1]?.name ?? "weight") + "_bias")
        let name = graph.uniqueName(base + suffix)
        let stored = values.map { Float($0 / beta) }
        let value = graph.addInitializer(Tensor.floats(stored, dims: dims, name: name), name: name)
        while reader.inputs.count < index { reader.appendInput(nil) }
        if reader.inputs.count == index { reader.appendInput(value) } else { reader.setInput(index, value) }
        if let old { try GraphSurgery.removeIfUnused(old, in: graph) }
    }
}

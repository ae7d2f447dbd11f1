import OnnxIR

/// A Conv, Gemm or MatMul with a constant float32 weight, seen as output channels × input channels × taps.
///
/// `equalize` rescales its channels and `correct-bias` sums its weights per output channel; both need the
/// same index arithmetic over the weight's layout, which lives here. The weights are held in double
/// precision so that repeated rescaling rounds to float32 once, when written back.
struct LinearLayer {
    /// How the weight tensor is laid out.
    enum Layout: Equatable {
        /// Conv weight `[M, C/group, k...]`.
        case convolution(group: Int)
        /// A 2-D `[K, N]` weight: MatMul's `B`, Gemm's `B` without `transB`.
        case inputsByOutputs
        /// A 2-D `[N, K]` weight: Gemm's `B` with `transB`.
        case outputsByInputs
    }

    /// The layer node.
    let node: Node
    /// The weight layout.
    let layout: Layout
    /// The weight's dimensions.
    let dims: [Int]
    /// The weights, row-major in `dims`.
    var weights: [Double]
    /// Output channels (Conv's M, the matrix's N).
    let outputChannels: Int
    /// Input channels (Conv's C, the matrix's K).
    let inputChannels: Int
    /// Kernel positions per (output, input) pair: the product of Conv's kernel dimensions, 1 for matrices.
    let taps: Int

    /// Whether `node` is one of the layer kinds this type reads (by op type, default domain).
    static func isLayer(_ node: Node) -> Bool {
        ["Conv", "Gemm", "MatMul"].contains(node.opType) && OpsetImport.isDefaultDomain(node.domain)
    }

    /// Whether two layers pass channels to each other the same way (convolutions on axis 1, matrices on the last).
    func isSameFamily(as other: LinearLayer) -> Bool {
        (node.opType == "Conv") == (other.node.opType == "Conv")
    }

    /// Reads `node`'s weight, or says why it is not a layer with a usable constant weight.
    static func read(_ node: Node) -> Result<LinearLayer, FoldRefusal> {
        guard isLayer(node) else { return .failure("it is a \(node.opType), not Conv, Gemm or MatMul") }
        guard node.inputs.count > 1, let value = node.inputs[1], let tensor = ConstantData.tensor(of: value) else {
            return .failure("its weight is not a constant")
        }
        guard let floats = ConstantData.floats(tensor), tensor.dims.allSatisfy({ $0 > 0 }),
            floats.count == ConstantData.elementCount(tensor)
        else { return .failure("its weight '\(value.name)' is not a readable float32 tensor") }
        let dims = tensor.dims.map(Int.init)
        let weights = floats.map(Double.init)
        switch node.opType {
        case "Conv":
            let group = Int(node.attribute("group")?.int ?? 1)
            guard dims.count >= 3, group > 0, dims[0] % group == 0 else {
                return .failure("its weight \(dims) does not fit group \(group)")
            }
            return .success(
                LinearLayer(
                    node: node, layout: .convolution(group: group), dims: dims, weights: weights,
                    outputChannels: dims[0], inputChannels: dims[1] * group, taps: dims.dropFirst(2).reduce(1, *)))
        default:
            guard dims.count == 2 else { return .failure("its weight has rank \(dims.count), not 2") }
            let transposed = node.opType == "Gemm" && (node.attribute("transB")?.int ?? 0) != 0
            return .success(
                LinearLayer(
                    node: node, layout: transposed ? .outputsByInputs : .inputsByOutputs, dims: dims,
                    weights: weights, outputChannels: transposed ? dims[0] : dims[1],
                    inputChannels: transposed ? dims[1] : dims[0], taps: 1))
        }
    }

    /// Calls `body` with every weight index of output channel `output`, the input channel and the tap it multiplies.
    func forEachWeight(ofOutput output: Int, _ body: (_ index: Int, _ input: Int, _ tap: Int) -> Void) {
        switch layout {
        case .convolution(let group):
            let perGroup = dims[1]
            let firstInput = (output / (outputChannels / group)) * perGroup
            let base = output * perGroup * taps
            for local in 0..<perGroup {
                for tap in 0..<taps { body(base + local * taps + tap, firstInput + local, tap) }
            }
        case .inputsByOutputs:
            for input in 0..<inputChannels { body(input * outputChannels + output, input, 0) }
        case .outputsByInputs:
            for input in 0..<inputChannels { body(output * inputChannels + input, input, 0) }
        }
    }

    /// Calls `body` with every weight index that multiplies input channel `input`.
    func forEachWeight(ofInput input: Int, _ body: (_ index: Int) -> Void) {
        switch layout {
        case .convolution(let group):
            let perGroup = dims[1]
            let outputsPerGroup = outputChannels / group
            let first = (input / perGroup) * outputsPerGroup
            for output in first..<(first + outputsPerGroup) {
                let base = (output * perGroup + input % perGroup) * taps
                for index in base..<(base + taps) { body(index) }
            }
        case .inputsByOutputs:
            for index in (input * outputChannels)..<((input + 1) * outputChannels) { body(index) }
        case .outputsByInputs:
            for output in 0..<outputChannels { body(output * inputChannels + input) }
        }
    }

    /// The largest weight magnitude of output channel `output`.
    func outputRange(_ output: Int) -> Double {
        var largest = 0.0
        forEachWeight(ofOutput: output) { index, _, _ in largest = max(largest, abs(weights[index])) }
        return largest
    }

    /// The largest weight magnitude multiplying input channel `input`.
    func inputRange(_ input: Int) -> Double {
        var largest = 0.0
        forEachWeight(ofInput: input) { largest = max(largest, abs(weights[$0])) }
        return largest
    }

    /// Multiplies the weights of output channel `output` by `factor`.
    mutating func scaleOutput(_ output: Int, by factor: Double) {
        var indices: [Int] = []
        forEachWeight(ofOutput: output) { index, _, _ in indices.append(index) }
        for index in indices { weights[index] *= factor }
    }

    /// Multiplies the weights reading input channel `input` by `factor`.
    mutating func scaleInput(_ input: Int, by factor: Double) {
        var indices: [Int] = []
        forEachWeight(ofInput: input) { indices.append($0) }
        for index in indices { weights[index] *= factor }
    }

    /// Replaces the layer's weight input with a new initializer holding `weights` in float32, named after the
    /// old one plus `suffix`; the old constant goes when nothing else reads it.
    func writeWeights(suffix: String, in graph: Graph) throws {
        guard let old = node.inputs[1] else { return }
        let name = graph.uniqueName(old.name + suffix)
        let tensor = Tensor.floats(weights.map { Float($0) }, dims: dims.map(Int64.init), name: name)
        node.setInput(1, graph.addInitializer(tensor, name: name))
        try GraphSurgery.removeIfUnused(old, in: graph)
    }
}

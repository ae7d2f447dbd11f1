import OnnxIR
import Quantization

/// One weight `round-weights` rounds: the layer, the parameters the trial quantization gave its weight, and
/// the statistics of its input.
struct RoundingJob {
    /// The layer in the model being changed.
    let layer: LinearLayer
    /// The name of the layer's input.
    let input: String
    /// `XᵀX` of the input, per group.
    var gram: LayerGram
    /// The grid of the weight's element type.
    let grid: LowBitGrid
    /// One step per output channel (the same for every channel when the weight is quantized per tensor).
    let steps: [LowBitGrid.Step]
    /// Whether the parameters are per output channel (else one for the whole tensor).
    let perChannel: Bool
    /// With `inputs=quantized`: the float input beside the same through its pair (then `gram` stays empty).
    var pairs: LayerInputPairs?

    /// The job for `node`, whose quantized copy reads its weight through `dequantize`; or why it cannot be rounded.
    static func make(_ node: Node, dequantize: Node, positionLimit: Int) -> Result<RoundingJob, FoldRefusal> {
        let layer: LinearLayer
        switch LinearLayer.read(node) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let read): layer = read
        }
        guard let input = node.inputs[0], let weight = node.inputs[1] else {
            return .failure("it has no input or no weight")
        }
        guard weight.uses.count == 1 else { return .failure("its weight '\(weight.name)' is shared with other nodes") }
        guard dequantize.attribute("block_size") == nil,
            let codes = dequantize.inputs[0].flatMap(ConstantData.tensor(of:)),
            let format = QuantFormat(dataType: codes.dataType), format == .int8 || format == .uint8,
            let scaleTensor = dequantize.inputs[1].flatMap(ConstantData.tensor(of:)),
            let scales = ConstantData.floats(scaleTensor)
        else { return .failure("its weight is not quantized to int8 or uint8 per tensor or per channel") }
        var zeroPoints = [Int](repeating: 0, count: scales.count)
        if dequantize.inputs.count > 2, let value = dequantize.inputs[2] {
            guard let tensor = ConstantData.tensor(of: value), let read = ConstantData.int64s(tensor),
                read.count == scales.count
            else { return .failure("its weight's zero point is unreadable") }
            zeroPoints = read.map(Int.init)
        }
        let outputAxis: Int
        switch layer.layout {
        case .convolution, .outputsByInputs: outputAxis = 0
        case .inputsByOutputs: outputAxis = 1
        }
        let axis = Int(dequantize.attribute("axis")?.int ?? 1)
        let perChannel = scales.count > 1
        let normalizedAxis = axis < 0 ? axis + layer.dims.count : axis
        guard !perChannel || (scales.count == layer.outputChannels && normalizedAxis == outputAxis) else {
            return .failure("its weight's scales are not one per output channel")
        }
        let gram: LayerGram
        switch LayerGram.make(for: layer, positionLimit: positionLimit) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let made): gram = made
        }
        guard let grid = try? LowBitGrid(format: format, symmetric: false) else {
            return .failure("no grid for \(format.rawValue)")
        }
        let steps = zip(scales, zeroPoints).map { LowBitGrid.Step(scale: $0, zeroPoint: $1) }
        return .success(
            RoundingJob(
                layer: layer, input: input.name, gram: gram, grid: grid,
                steps: perChannel ? steps : Array(repeating: steps[0], count: layer.outputChannels),
                perChannel: perChannel))
    }

    /// The weight (row-major in its dims) after GPTQ rounding on the job's grid, dequantized, with every
    /// parameter slice's extremes kept and the rest clamped between them (see `RoundWeightsPass`).
    func rounded(damp: Double) throws -> [Float] {
        try round(layer.weights.map(Float.init), damp: damp) { gram.groups[$0].gram }
    }

    /// With paired inputs: the weight rounded so that the layer reading its quantized input comes close to the
    /// float layer reading its float input, and the bias that then keeps each output channel's mean.
    ///
    /// Per group, the float weight `W` is first moved by the correction `QuantizedInputFit` chooses (a fraction
    /// of the least-squares step for the quantized input, with or without the bias taking the mean shift); the
    /// result is rounded by GPTQ on `X_qᵀX_q`; and where the bias takes the shift, it becomes
    /// `b + α·(μ_fᵀW − μ_qᵀŴ)` per output channel, `Ŵ` the rounded weight. `bias` is nil where the op has no
    /// place for one (a MatMul without an Add). Also returns how many groups moved their weight and how many
    /// corrected their bias.
    func roundedForQuantizedInputs(damp: Double, ridgeScale: Double, bias: LayerBias?) throws -> (
        weights: [Float], bias: LayerBias?, movedGroups: Int, biasGroups: Int
    ) {
        guard let pairs else { return (try rounded(damp: damp), nil, 0, 0) }
        let groupCount = pairs.groups.count
        let outputsPerGroup = layer.outputChannels / groupCount
        var target = layer.weights
        var fits: [QuantizedInputFit] = []
        let merged = pairs.groups.map { $0.reduce(LayerInputPairs.Sums(), +) }
        // Each parameter slice's extremes, where `keepExtremes` will clamp it.
        let slices = sliceIndices().map { slice in
            let values = slice.map { layer.weights[$0] }
            return (values.min() ?? 0)...(values.max() ?? 0)
        }
        for (group, folds) in pairs.groups.enumerated() {
            let indices = weightIndices(ofGroup: group, groupCount: groupCount)
            let matrix = indices.map { layer.weights[$0] }
            let bounds = (group * outputsPerGroup..<(group + 1) * outputsPerGroup).map { slices[perChannel ? $0 : 0] }
            let fit = try QuantizedInputFit.choose(
                weights: matrix, bounds: bounds, folds: folds, all: merged[group], columns: outputsPerGroup,
                damp: damp, ridgeScale: ridgeScale, biasAllowed: bias != nil)
            for position in matrix.indices { target[indices[position]] = matrix[position] + fit.step[position] }
            fits.append(fit)
        }
        // With fewer rows than inputs, X_qᵀX_q is singular and GPTQ's error pushing fits those few rows rather
        // than the layer: such a group is rounded to nearest (GPTQ on the identity).
        let weights = try round(target.map(Float.init), damp: damp) { group in
            let sums = merged[group]
            guard sums.rows < sums.width else { return sums.quantizedGram }
            var identity = [Double](repeating: 0, count: sums.width * sums.width)
            for i in 0..<sums.width { identity[i * sums.width + i] = 1 }
            return identity
        }
        let movedGroups = fits.filter { $0.stepFraction > 0 }.count
        let biasGroups = fits.filter(\.correctsBias).count
        guard var corrected = bias, biasGroups > 0 else { return (weights, nil, movedGroups, 0) }
        let alpha = layer.node.opType == "Gemm" ? Double(layer.node.attribute("alpha")?.float ?? 1) : 1
        for output in 0..<layer.outputChannels where fits[output / outputsPerGroup].correctsBias {
            let sums = merged[output / outputsPerGroup]
            let rows = Double(sums.rows)
            var shift = 0.0
            var row = 0
            layer.forEachWeight(ofOutput: output) { index, _, _ in
                shift += (sums.floatSum[row] * layer.weights[index] - sums.quantizedSum[row] * Double(weights[index]))
                row += 1
            }
            corrected.values[output] += alpha * shift / rows
        }
        return (weights, corrected, movedGroups, biasGroups)
    }

    /// Where each element of group `group`'s weights as GPTQ's `[rows = inputs × taps, columns = outputs]` matrix
    /// (row-major) sits in the layer's weight.
    private func weightIndices(ofGroup group: Int, groupCount: Int) -> [Int] {
        let outputsPerGroup = layer.outputChannels / groupCount
        let rowsPerGroup = layer.inputChannels / groupCount * layer.taps
        var indices = [Int](repeating: 0, count: rowsPerGroup * outputsPerGroup)
        for column in 0..<outputsPerGroup {
            var row = 0
            layer.forEachWeight(ofOutput: group * outputsPerGroup + column) { index, _, _ in
                indices[row * outputsPerGroup + column] = index
                row += 1
            }
        }
        return indices
    }

    /// `weights` (row-major in the layer's dims) rounded by GPTQ per group with the group's Hessian, on the job's
    /// grid and steps, dequantized, extremes kept (see `RoundWeightsPass`).
    private func round(_ weights: [Float], damp: Double, hessian: (Int) -> [Double]) throws -> [Float] {
        var result = weights
        let groupCount = gram.groups.count
        let outputsPerGroup = layer.outputChannels / groupCount
        let rowsPerGroup = layer.inputChannels / groupCount * layer.taps
        let name = layer.node.inputs[1]?.name ?? ""
        for group in 0..<groupCount {
            let outputs = (group * outputsPerGroup)..<((group + 1) * outputsPerGroup)
            let indices = weightIndices(ofGroup: group, groupCount: groupCount)
            let matrix = indices.map { weights[$0] }
            let gptq = GPTQ(blockSize: rowsPerGroup, grid: grid, actOrder: true, damp: damp)
            let codes = try gptq.quantize(
                matrix, rows: rowsPerGroup, columns: outputsPerGroup, hessian: hessian(group), tensor: name,
                steps: Array(steps[outputs]))
            for row in 0..<rowsPerGroup {
                for column in 0..<outputsPerGroup {
                    let position = row * outputsPerGroup + column
                    result[indices[position]] = grid.value(Int(codes.codes[position]), codes.steps[column])
                }
            }
        }
        keepExtremes(original: layer.weights.map(Float.init), rounded: &result)
        return result
    }

    /// The weight indices of each parameter slice: one per output channel, or the whole tensor.
    private func sliceIndices() -> [[Int]] {
        guard perChannel else { return [Array(layer.weights.indices)] }
        return (0..<layer.outputChannels).map { output in
            var indices: [Int] = []
            layer.forEachWeight(ofOutput: output) { index, _, _ in indices.append(index) }
            return indices
        }
    }

    /// Puts each parameter slice's original smallest and largest element back and clamps the rest between them,
    /// so parameters computed again from the result are the ones the rounding used.
    private func keepExtremes(original: [Float], rounded: inout [Float]) {
        let slices = sliceIndices()
        for slice in slices where !slice.isEmpty {
            guard let low = slice.min(by: { original[$0] < original[$1] }),
                let high = slice.max(by: { original[$0] < original[$1] })
            else { continue }
            for index in slice { rounded[index] = min(max(rounded[index], original[low]), original[high]) }
            rounded[low] = original[low]
            rounded[high] = original[high]
        }
    }
}

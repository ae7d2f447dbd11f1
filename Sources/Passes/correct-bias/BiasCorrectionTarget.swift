import OnnxIR

/// One layer `correct-bias` corrects: its float weight and bias, where its input and quantized weight are
/// found in the trial copy, and what the samples showed.
struct BiasCorrectionTarget {
    /// Which of the target's tensors in the trial copy a measured value is.
    enum Part {
        /// The layer's data input (its mean is measured).
        case input
        /// The DequantizeLinear output the layer reads as its weight (read once).
        case quantizedWeight
    }

    /// Why a layer is left uncorrected.
    struct Refusal: Error {
        /// One line for the remark.
        let reason: String
        /// Whether the only problem is that the layer has no bias and its op takes none (a MatMul without an Add).
        let noBiasSlot: Bool
    }

    /// The layer in the model being corrected, with its float weight.
    let layer: LinearLayer
    /// Its bias (to be corrected).
    let bias: LayerBias
    /// The layer's data input in the trial copy.
    let input: String
    /// The DequantizeLinear output the layer reads as its weight in the trial copy.
    let quantizedWeight: String
    /// The input means so far.
    var means: InputMeans
    /// `W_q`, once observed.
    var quantizedValues: [Float]?

    /// The target for `node`, or why it cannot be corrected.
    static func make(_ node: Node, input: String, quantizedWeight: String) -> Result<BiasCorrectionTarget, Refusal> {
        let layer: LinearLayer
        switch LinearLayer.read(node) {
        case .success(let read): layer = read
        case .failure(let refusal): return .failure(Refusal(reason: refusal.description, noBiasSlot: false))
        }
        let bias: LayerBias
        switch LayerBias.read(layer, followingAdd: LayerBias.followingAdd(of: node)) {
        case .success(let read): bias = read
        case .failure(let refusal): return .failure(Refusal(reason: refusal.description, noBiasSlot: false))
        }
        guard bias.isWritable else {
            return .failure(
                Refusal(reason: "a MatMul whose output goes to no Add of a per-channel constant", noBiasSlot: true))
        }
        switch InputMeans.make(for: layer) {
        case .success(let means):
            return .success(
                BiasCorrectionTarget(
                    layer: layer, bias: bias, input: input, quantizedWeight: quantizedWeight, means: means))
        case .failure(let refusal):
            return .failure(Refusal(reason: refusal.description, noBiasSlot: false))
        }
    }

    /// The bias minus `alpha · (W_q − W) · E[x]` per output channel; nil when the samples never showed `W_q`.
    func correctedBias() -> LayerBias? {
        guard let quantizedValues, quantizedValues.count == layer.weights.count else { return nil }
        let means = means.means
        let alpha = layer.node.opType == "Gemm" ? Double(layer.node.attribute("alpha")?.float ?? 1) : 1
        var corrected = bias
        for output in 0..<layer.outputChannels {
            var shift = 0.0
            layer.forEachWeight(ofOutput: output) { index, input, tap in
                shift += (Double(quantizedValues[index]) - layer.weights[index]) * means[input * layer.taps + tap]
            }
            corrected.values[output] -= alpha * shift
        }
        return corrected
    }
}

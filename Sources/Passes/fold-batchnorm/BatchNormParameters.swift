import OnnxIR

/// An inference-mode BatchNormalization as a per-channel affine map: `y = x * scale + shift`.
///
/// Computed in double precision from the float32 constants, so folding it
/// into weights rounds once, at the end.
struct BatchNormParameters {
    /// `gamma / sqrt(var + epsilon)` per channel.
    let scale: [Double]
    /// `beta - mean * scale` per channel.
    let shift: [Double]

    /// The number of channels.
    var channels: Int { scale.count }

    /// The parameters of `node`, or the reason it is not a foldable inference-mode BatchNormalization.
    static func read(_ node: Node) -> Result<BatchNormParameters, FoldRefusal> {
        if let mode = node.attribute("training_mode")?.int, mode != 0 { return .failure("it is in training mode") }
        if let spatial = node.attribute("spatial")?.int, spatial != 1 { return .failure("spatial is 0") }
        guard node.inputs.count == 5 else { return .failure("it does not have 5 inputs") }
        var arrays: [[Float]] = []
        for (index, name) in ["scale", "B", "mean", "var"].enumerated() {
            guard let value = node.inputs[index + 1], let tensor = ConstantData.tensor(of: value) else {
                return .failure("its \(name) is not a constant")
            }
            guard tensor.dims.count == 1, let values = ConstantData.floats(tensor) else {
                return .failure("its \(name) is not a 1-D float tensor")
            }
            arrays.append(values)
        }
        let channels = arrays[0].count
        guard channels > 0 else { return .failure("its scale is empty") }
        guard arrays.allSatisfy({ $0.count == channels }) else {
            return .failure("its scale, B, mean and var differ in length")
        }
        let epsilon = Double(node.attribute("epsilon")?.float ?? 1e-5)
        var scale: [Double] = []
        var shift: [Double] = []
        for channel in 0..<channels {
            let variance = Double(arrays[3][channel]) + epsilon
            guard variance > 0 else { return .failure("var + epsilon is not positive for channel \(channel)") }
            let factor = Double(arrays[0][channel]) / variance.squareRoot()
            scale.append(factor)
            shift.append(Double(arrays[1][channel]) - Double(arrays[2][channel]) * factor)
        }
        return .success(BatchNormParameters(scale: scale, shift: shift))
    }

    /// `bias * scale + shift` per channel (a missing bias is zero).
    func foldedBias(_ bias: [Float]?) -> [Float] {
        (0..<channels).map { channel in
            Float(Double(bias?[channel] ?? 0) * scale[channel] + shift[channel])
        }
    }
}

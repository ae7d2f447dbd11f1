import OnnxIR
import Passes

/// Turns the 8-bit activation pairs of chosen tensors of a QDQ model into 16-bit pairs (`WideQuantization`):
/// the QuantizeLinear and its DequantizeLinear nodes read new 16-bit parameters, and the model's default-domain
/// opset is raised to 21, the first that lets QuantizeLinear produce int16/uint16.
enum QDQWidening {
    /// The opset 16-bit QuantizeLinear/DequantizeLinear need.
    static let opset: Int64 = 21

    /// Widens the activations named in `tensors` (float model names) in `model`; returns how many pairs changed.
    /// A tensor without an 8-bit pair with constant parameters is an error (the search only offers those).
    static func apply(_ tensors: Set<String>, to model: Model, float: Model) throws -> Int {
        guard !tensors.isEmpty else { return 0 }
        let graph = model.graph
        var widened = Set<ObjectIdentifier>()
        var changed = 0
        for group in QDQGroup.groups(in: model, float: float) where tensors.contains(group.tensor) {
            for dequantize in group.nodes {
                guard !group.isWeight, let quantize = dequantize.inputs[0]?.producer,
                    let narrow = WideQuantization.narrowType(of: quantize),
                    let wide = WideQuantization.wideType(of: narrow)
                else {
                    throw CompareError.unreadable(
                        tensor: group.tensor, model: "quantized model", reason: "no 8-bit activation pair to widen")
                }
                if widened.insert(ObjectIdentifier(quantize)).inserted {
                    guard let parameters = WideQuantization.parameters(of: quantize, in: graph, name: group.tensor)
                    else {
                        throw CompareError.unreadable(
                            tensor: group.tensor, model: "quantized model",
                            reason: "its quantization parameters are not constants")
                    }
                    setParameters(of: quantize, parameters)
                    quantize.removeAttribute("output_dtype")
                    if let output = quantize.outputs[0], case .tensor(_, let shape)? = output.type?.kind {
                        output.type = ValueType(.tensor(elementType: wide, shape: shape))
                    }
                    changed += 1
                }
                setParameters(of: dequantize, (quantize.inputs[1]!, quantize.inputs[2]!))
            }
        }
        if changed > 0, (model.opsetVersion(for: "") ?? 0) < opset {
            _ = try UpgradeOpsetPass(options: ["to": String(opset)]).run(on: model, context: PassContext())
        }
        _ = try EliminateDeadCodePass(options: [:]).run(on: model, context: PassContext())
        return changed
    }

    /// Points `node` (a QuantizeLinear or DequantizeLinear) at `parameters`, adding the zero point input if it
    /// had none.
    static func setParameters(of node: Node, _ parameters: (scale: Value, zeroPoint: Value)) {
        node.setInput(1, parameters.scale)
        if node.inputs.count > 2 {
            node.setInput(2, parameters.zeroPoint)
        } else {
            node.appendInput(parameters.zeroPoint)
        }
    }
}

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
        var changed = 0
        for group in QDQGroup.groups(in: model, float: float) where tensors.contains(group.tensor) {
            let noPair = CompareError.unreadable(
                tensor: group.tensor, model: "quantized model", reason: "no 8-bit activation pair to widen")
            guard !group.isWeight else { throw noPair }
            changed += try repoint(group, missing: noPair) { quantize in
                guard let narrow = WideQuantization.narrowType(of: quantize),
                    let wide = WideQuantization.wideType(of: narrow)
                else { throw noPair }
                guard let parameters = WideQuantization.parameters(of: quantize, in: graph, name: group.tensor)
                else {
                    throw CompareError.unreadable(
                        tensor: group.tensor, model: "quantized model",
                        reason: "its quantization parameters are not constants")
                }
                return (wide, parameters.scale, parameters.zeroPoint)
            }
        }
        try finish(model, changed: changed > 0, opset: opset)
        return changed
    }

    /// Points the activation pair of `group` at a new form: its QuantizeLinear (once, however many
    /// DequantizeLinear nodes read it) takes the scale and zero point `form` gives and produces its element type
    /// (`output_dtype` goes: the zero point implies the type), and each DequantizeLinear reads the same
    /// parameters. Throws `missing` for a DequantizeLinear that no QuantizeLinear feeds, and what `form` throws.
    /// Returns how many QuantizeLinear nodes changed.
    static func repoint(
        _ group: QDQGroup, missing: Error,
        form: (_ quantize: Node) throws -> (type: DataType, scale: Value, zeroPoint: Value)
    ) throws -> Int {
        var changed = Set<ObjectIdentifier>()
        for dequantize in group.nodes {
            guard let quantize = dequantize.inputs[0]?.producer else { throw missing }
            if changed.insert(ObjectIdentifier(quantize)).inserted {
                let new = try form(quantize)
                setParameters(of: quantize, (new.scale, new.zeroPoint))
                quantize.removeAttribute("output_dtype")
                if let output = quantize.outputs[0], case .tensor(_, let shape)? = output.type?.kind {
                    output.type = ValueType(.tensor(elementType: new.type, shape: shape))
                }
            }
            setParameters(of: dequantize, (quantize.inputs[1]!, quantize.inputs[2]!))
        }
        return changed.count
    }

    /// What every rewrite of a model's pairs ends with: the default-domain opset raised to `opset` when the
    /// rewrite `changed` something and the model is below it, and the constants and nodes left unread removed.
    static func finish(_ model: Model, changed: Bool, opset: Int64) throws {
        if changed, (model.opsetVersion(for: "") ?? 0) < opset {
            _ = try UpgradeOpsetPass(options: ["to": String(opset)]).run(on: model, context: PassContext())
        }
        _ = try EliminateDeadCodePass(options: [:]).run(on: model, context: PassContext())
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

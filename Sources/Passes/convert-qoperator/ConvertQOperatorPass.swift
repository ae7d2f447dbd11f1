import Foundation
import OnnxIR
import Quantization

/// Rewrites ONNX Runtime's QOperator format (QLinearConv, QLinearMatMul, QGemm, QLinearAdd, ...) as
/// DequantizeLinear → float op → QuantizeLinear, the QDQ format `import-qdq` and every engine read.
///
/// The converted model computes what the QOperator one did, up to the rounding of the float op's accumulation
/// (within one quantization step of the output, measured in ONNX Runtime by the tests).
public struct ConvertQOperatorPass: Pass {
    /// `convert-qoperator`.
    public static let argument = "convert-qoperator"
    /// Does not walk If/Loop/Scan bodies.
    public static let subgraphReach = SubgraphReach.mainGraphOnly
    /// One line for `list-passes`.
    public static let summary =
        "Rewrites ONNX Runtime's QOperator ops (QLinearConv, QLinearMatMul, QGemm, QLinearAdd, ...) as "
        + "DequantizeLinear → float op → QuantizeLinear."

    /// Creates the pass; it takes no options.
    public init(options: [String: String]) throws {
        _ = try PassOptionReader(options, for: Self.self)
    }

    /// Converts every QOperator node of the main graph; refuses, naming the node, the integer ops it cannot.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        let graph = model.graph
        var converted: [String: Int] = [:]
        for node in graph.nodes {
            if QOperatorForm.integerOps.contains(node.opType), OpsetImport.isDefaultDomain(node.domain) {
                throw ImportQDQError(
                    "convert-qoperator: \(node.opType) '\(node.displayName)' computes in integers without scales "
                        + "(dynamic quantization): qdqc does not convert it; quantize the float model instead")
            }
            let domain = OpsetImport.isDefaultDomain(node.domain) ? "" : node.domain
            guard let form = QOperatorForm.form(domain: domain, opType: node.opType, inputCount: node.inputs.count)
            else { continue }
            try convert(node, form: form, in: graph)
            converted[node.opType, default: 0] += 1
        }
        let wrapped = try wrapQuantizedPassThroughs(in: graph)
        if wrapped > 0 { converted["pass-through ops on quantized values", default: 0] += wrapped }
        guard !converted.isEmpty else {
            return PassResult(changed: false, statistics: ["converted-nodes": 0, "wrapped-pass-throughs": 0])
        }
        // QuantizeLinear with per-axis scales and int32 DequantizeLinear need opset 13.
        if (model.opsetVersion(for: "") ?? 0) < 13 { model.setOpsetVersion(13, for: "") }
        context.remark(
            "convert-qoperator: "
                + converted.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                + " rewritten as DequantizeLinear → float op → QuantizeLinear")
        return PassResult(
            changed: true,
            statistics: ["converted-nodes": converted.values.reduce(0, +) - wrapped, "wrapped-pass-throughs": wrapped])
    }

    /// Ops that only move or select elements, which QOperator models run on quantized values directly.
    static let passThroughOps: Set<String> = [
        "MaxPool", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Identity", "Slice", "Gather",
        "Resize", "DepthToSpace", "SpaceToDepth",
    ]

    /// Puts `DequantizeLinear → op → QuantizeLinear` (with the producing QuantizeLinear's parameters) around every
    /// pass-through op that reads a QuantizeLinear output, so each quantized value is read by DequantizeLinear
    /// nodes only. Exact: the op selects values already on that grid. Returns how many it wrapped.
    private func wrapQuantizedPassThroughs(in graph: Graph) throws -> Int {
        var wrapped = 0
        for node in graph.nodes where Self.passThroughOps.contains(node.opType) {
            guard OpsetImport.isDefaultDomain(node.domain), node.outputs.count == 1, let output = node.outputs[0],
                let input = node.inputs.first ?? nil, let quantizer = input.producer,
                quantizer.opType == "QuantizeLinear", OpsetImport.isDefaultDomain(quantizer.domain),
                quantizer.inputs.count >= 2, let scale = quantizer.inputs[1]
            else { continue }
            let zeroPoint = quantizer.inputs.count > 2 ? quantizer.inputs[2] : nil
            let base = node.name.flatMap { $0.isEmpty ? nil : $0 } ?? output.name
            func fresh(_ suffix: String) -> String { graph.uniqueName(base + suffix, avoidingNodeNames: true) }
            var rewrite = GraphRewrite()
            let dequantize = Node(
                opType: "DequantizeLinear", name: fresh("_DequantizeLinear"), inputs: [input, scale, zeroPoint],
                outputNames: [fresh("_input")], attributes: quantizer.attributes.filter { $0.name == "axis" })
            rewrite.insert(dequantize, before: node)
            rewrite.redirect(node, input: 0, to: dequantize.outputs[0] ?? input)
            let quantize = Node(
                opType: "QuantizeLinear", name: fresh("_QuantizeLinear"), inputs: [output, scale, zeroPoint],
                outputNames: [fresh("_quantized")], attributes: quantizer.attributes)
            rewrite.insert(quantize, after: node)
            guard let quantized = quantize.outputs[0] else { continue }
            quantized.type = output.type
            // The QuantizeLinear's output takes over the readers and the name; the op's output is float now.
            let name = output.name
            rewrite.replaceAllUses(of: output, with: quantized, graphOutputs: .rewire, except: [quantize])
            rewrite.rename(output, to: fresh("_float"))
            rewrite.rename(quantized, to: name)
            try graph.apply(rewrite)
            output.type = nil
            wrapped += 1
        }
        return wrapped
    }

    private func convert(_ node: Node, form: QOperatorForm, in graph: Graph) throws {
        let label = "\(node.opType) '\(node.displayName)'"
        func input(_ index: Int) throws -> Value {
            guard index < node.inputs.count, let value = node.inputs[index] else {
                throw ImportQDQError("convert-qoperator: \(label): input \(index) is missing")
            }
            return value
        }
        guard let output = node.outputs.first ?? nil else { return }
        if node.opType == "QGemm", let alpha = node.attribute("alpha")?.float, alpha != 1 {
            throw ImportQDQError("convert-qoperator: \(label): alpha \(alpha) is not supported (only 1)")
        }
        if let channelsLast = node.attribute("channels_last")?.int, channelsLast != 0 {
            throw ImportQDQError("convert-qoperator: \(label): channels_last is not supported")
        }
        let base = node.name.flatMap { $0.isEmpty ? nil : $0 } ?? output.name
        func fresh(_ suffix: String) -> String { graph.uniqueName(base + suffix, avoidingNodeNames: true) }
        var rewrite = GraphRewrite()
        var floatInputs: [Value?] = []
        for (position, triple) in form.triples.enumerated() {
            let scale = try input(triple.scale)
            var attributes: [Attribute] = []
            if let axis = perAxisAxis(node, position: position, scale: scale) {
                attributes.append(Attribute("axis", .int(axis)))
            }
            let dequantize = Node(
                opType: "DequantizeLinear", name: fresh("_DequantizeLinear_\(position)"),
                inputs: [try input(triple.value), scale, try input(triple.zeroPoint)],
                outputNames: [fresh("_input_\(position)")], attributes: attributes)
            rewrite.insert(dequantize, before: node)
            floatInputs.append(dequantize.outputs[0])
        }
        if let biasIndex = form.bias, biasIndex < node.inputs.count, let bias = node.inputs[biasIndex] {
            floatInputs.append(try dequantizeBias(bias, node: node, form: form, fresh: fresh, into: &rewrite))
        }
        let attributes = node.attributes.filter { !form.droppedAttributes.contains($0.name) }
        let floatNode = Node(
            opType: form.floatOp, name: node.name, inputs: floatInputs,
            outputNames: [fresh("_float")], attributes: attributes)
        rewrite.insert(floatNode, before: node)
        guard let floatOutput = floatNode.outputs[0] else { return }
        floatOutput.type = .tensor(.float, output.shape)
        if let parameters = form.output {
            let quantize = Node(
                opType: "QuantizeLinear", name: fresh("_QuantizeLinear"),
                inputs: [floatOutput, try input(parameters.scale), try input(parameters.zeroPoint)],
                outputNames: [fresh("_quantized")])
            rewrite.insert(quantize, before: node)
            guard let quantized = quantize.outputs[0] else { return }
            quantized.type = output.type
            rewrite.takeOver(output, by: quantized)
        } else {
            rewrite.takeOver(output, by: floatOutput)
        }
        rewrite.remove(node)
        try graph.apply(rewrite)
    }

    /// The `axis` of a per-axis (per-channel) scale: a Conv weight's output channels (0), a MatMul right
    /// operand's columns (last), a Gemm B's rows when transposed (0) or columns (1).
    private func perAxisAxis(_ node: Node, position: Int, scale: Value) -> Int64? {
        guard position == 1, let tensor = ConstantData.tensor(of: scale), tensor.dims.reduce(1, *) > 1 else {
            return nil
        }
        switch node.opType {
        case "QLinearConv": return 0
        case "QLinearMatMul": return -1
        case "QGemm": return (node.attribute("transB")?.int ?? 0) == 1 ? 0 : 1
        default: return nil
        }
    }

    /// DequantizeLinear of an int32 bias with scale `x_scale * w_scale` (per channel when the weight is),
    /// zero point 0, as ONNX Runtime's kernels add it.
    private func dequantizeBias(
        _ bias: Value, node: Node, form: QOperatorForm, fresh: (String) -> String, into rewrite: inout GraphRewrite
    ) throws -> Value? {
        let label = "\(node.opType) '\(node.displayName)'"
        guard form.triples.count >= 2, let inputScale = node.inputs[form.triples[0].scale],
            let weightScale = node.inputs[form.triples[1].scale],
            let inputScales = ConstantData.tensor(of: inputScale).flatMap(ConstantData.floats), inputScales.count == 1,
            let weightScales = ConstantData.tensor(of: weightScale).flatMap(ConstantData.floats)
        else {
            throw ImportQDQError("convert-qoperator: \(label): the bias needs constant input and weight scales")
        }
        let scales = weightScales.map { $0 * inputScales[0] }
        let scale = rewrite.addInitializer(
            Tensor.floats(scales, dims: scales.count > 1 ? [Int64(scales.count)] : []), name: fresh("_bias_scale"))
        let zeroPoint = rewrite.addInitializer(
            Tensor(
                name: nil, dataType: .int32, dims: scales.count > 1 ? [Int64(scales.count)] : [],
                storage: .raw(Array(repeating: Int32(0), count: scales.count).withUnsafeBytes { Data($0) })),
            name: fresh("_bias_zero_point"))
        let dequantize = Node(
            opType: "DequantizeLinear", name: fresh("_bias_DequantizeLinear"), inputs: [bias, scale, zeroPoint],
            outputNames: [fresh("_bias")], attributes: scales.count > 1 ? [Attribute("axis", .int(0))] : [])
        rewrite.insert(dequantize, before: node)
        return dequantize.outputs[0]
    }
}

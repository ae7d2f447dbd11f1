import Foundation
import OnnxIO
import OnnxIR
import OnnxInterpreter
import Passes
import Quantization

/// A copy of a QDQ model in which every quantized tensor can be switched between its dequantized and its
/// float value at run time, so one plan runs any mix of quantized and float tensors.
///
/// Each DequantizeLinear output `t` becomes `Where(flag, t_q, t_float)` under the name `t`, with `t_q` the
/// renamed DequantizeLinear output and `t_float` the QuantizeLinear's input (an activation) or the float
/// model's weight (a weight); `flag` is a boolean scalar graph input shared by the Q/DQ pairs of one tensor.
/// An 8-bit activation pair also gets its 16-bit counterpart (`WideQuantization`) when `widens` is set:
/// `t_float` is then `Where(wideFlag, t_16, t_float)`, with `t_16` the float value through a 16-bit pair; a
/// 4-bit weight gets its 8-bit counterpart (`WeightWidening`) the same way when `widensWeights` is set. With
/// `float8`, an int8/uint8 pair's `t_q` becomes `Where(float8Flag, t_fp8, t_q)`, with `t_fp8` the tensor through
/// its FP8 E4M3 pair (`Float8Step`); a weight without a float counterpart (BatchNormalization folded in,
/// rescaled) is then a site too, whose float branch is its own dequantized value (`SensitivitySite.float8Only`).
/// Everything downstream keeps its name, so graph outputs still match the float model's.
struct SwitchableModel {
    /// The copy with the switches.
    let model: Model
    /// The switchable tensors, in the quantized graph's order.
    let sites: [SensitivitySite]
    /// Quantized tensors that cannot be switched, with the reason.
    let skipped: [SkippedSensitivityTensor]

    /// Builds the switchable copy of `quantized`; `float` supplies the float weights and the tensor names.
    init(
        float: Model, quantized: Model, quantizedName: String, widens: Bool = false, widensWeights: Bool = false,
        float8: Bool = false
    ) throws {
        let copy = try ModelReader.read(
            data: try ModelWriter.serialize(quantized), path: "\(quantizedName) (switchable copy)",
            baseDirectory: nil)
        let floatIndex = FloatGraphIndex(graph: float.graph)
        let rescaled = Set(SmoothQuantPass.rescaledValues(of: quantized))
        let floatWeights = QDQGroup.floatWeights(of: float)
        let graph = copy.graph
        let groups = QDQGroup.groups(in: copy, float: float)
        var sites: [SensitivitySite] = []
        var skipped: [SkippedSensitivityTensor] = []
        var flags: [Value] = []
        for group in groups {
            let first = group.nodes[0].outputs[0]!
            let tensor = group.tensor
            var floatSource = try group.floatStandIn(in: graph, float: float)
            var floatWeight: [Float]?
            var weight8: DequantizedWeightTensors?
            var weightFP8: (codes: Tensor, scale: Tensor, zeroPoint: Tensor)?
            var float8Only = false
            if group.isWeight {
                if float8 {
                    weightFP8 = try Float8Step.weightTensors(for: group, float: floatWeights, rescaled: rescaled)
                }
                let weight = floatIndex.initializer(tensor)
                var lacking: String?
                if rescaled.contains(tensor) {
                    lacking = "rescaled by smooth-quant: no float counterpart"
                } else if weight == nil || weight?.dims != group.source.initializer?.dims {
                    lacking = "the float model has no initializer of this shape to compare with"
                }
                if let lacking {
                    skipped.append(.init(tensor: tensor, reason: lacking))
                    // Not measured or raised, but it can still move to FP8 (from its int8 values) with the input
                    // of its layer; its float branch is then its own dequantized value.
                    guard weightFP8 != nil else { continue }
                    float8Only = true
                } else if let weight {
                    floatSource = graph.addInitializer(weight, name: graph.uniqueName(tensor + "_sensitivity_float"))
                    floatWeight = try Self.floats(weight, tensor: tensor)
                    if widensWeights {
                        weight8 = try WeightWidening.tensors(
                            replacing: group.nodes[0], floatWeight: weight, name: tensor)
                    }
                }
            }
            let flag = Value(
                name: graph.uniqueName(tensor + "_sensitivity_on"), type: .tensor(.bool, Shape(static: [])))
            flags.append(flag)
            graph.inputs.append(flag)
            let quantizers = group.nodes.map { $0.inputs[0]?.producer }
            let widensActivation =
                widens && !group.isWeight
                && quantizers.allSatisfy({ $0.map { WideQuantization.narrowType(of: $0) != nil } ?? false })
            let wideFlag: Value? =
                widensActivation || weight8 != nil
                ? Value(name: graph.uniqueName(tensor + "_sensitivity_wide"), type: .tensor(.bool, Shape(static: [])))
                : nil
            if let wideFlag { graph.inputs.append(wideFlag) }
            // An activation whose pair stands for a removed Relu/Clip keeps it only on an integer grid starting at
            // 0, which an FP8 pair (symmetric about 0) is not.
            let activationFP8 =
                float8 && !group.isWeight && floatSource === group.source
                && quantizers.allSatisfy({ quantize in
                    quantize.map { Float8Step.activationScale(of: $0, name: tensor) != nil } ?? false
                })
            let float8Flag: Value? =
                weightFP8 != nil || activationFP8
                ? Value(name: graph.uniqueName(tensor + "_sensitivity_fp8"), type: .tensor(.bool, Shape(static: [])))
                : nil
            if let float8Flag { graph.inputs.append(float8Flag) }
            let weightFP8Dequantize = weightFP8.map {
                Float8Step.dequantize($0, like: group.nodes[0], in: graph, name: tensor)
            }
            var weightFP8Inserted = false
            var switches: [Node] = []
            var dequantized: [String] = []
            // The 8-bit weight is computed once for all the weight's DequantizeLinear nodes.
            let weight8Dequantize = weight8.map { WeightWidening.dequantize($0, in: graph, name: tensor) }
            var weight8Choice: Node?
            for (node, quantize) in zip(group.nodes, quantizers) {
                let output = node.outputs[0]!
                let original = output.name
                try graph.rename(output, to: graph.uniqueName(original + "_sensitivity_q"))
                dequantized.append(output.name)
                let uses = output.uses
                let wasOutput = graph.outputs.contains { $0 === output }
                var unquantized = float8Only ? output : floatSource
                var wideNodes: [Node] = []
                if let wideFlag, let quantize,
                    let wide = WideQuantization.parameters(of: quantize, in: graph, name: original)
                {
                    let widePair = Self.pair(
                        of: floatSource, wide, attributes: WideQuantization.attributes(of: quantize),
                        names: (original + "_q16", original + "_dq16"), in: graph)
                    let wideChoice = Self.choice(
                        wideFlag, widePair[1].outputs[0]!, floatSource, name: original + "_sensitivity_wide_switch",
                        output: graph.uniqueName(original + "_sensitivity_unquantized"), in: graph)
                    wideNodes = widePair + [wideChoice]
                    unquantized = wideChoice.outputs[0]!
                } else if let wideFlag, let weight8Dequantize {
                    if let weight8Choice {
                        unquantized = weight8Choice.outputs[0]!
                    } else {
                        let choice = Self.choice(
                            wideFlag, weight8Dequantize.outputs[0]!, floatSource,
                            name: original + "_sensitivity_wide_switch",
                            output: graph.uniqueName(original + "_sensitivity_unquantized"), in: graph)
                        weight8Choice = choice
                        wideNodes = [weight8Dequantize, choice]
                        unquantized = choice.outputs[0]!
                    }
                }
                var eightBit = output
                var float8Nodes: [Node] = []
                if let float8Flag {
                    var fp8: Value?
                    if let weightFP8Dequantize {
                        fp8 = weightFP8Dequantize.outputs[0]
                        if !weightFP8Inserted { float8Nodes.append(weightFP8Dequantize) }
                        weightFP8Inserted = true
                    } else if let quantize,
                        let parameters = Float8Step.activationParameters(of: quantize, in: graph, name: original)
                    {
                        let fp8Pair = Self.pair(
                            of: floatSource, parameters, names: (original + "_q_fp8", original + "_dq_fp8"), in: graph)
                        float8Nodes += fp8Pair
                        fp8 = fp8Pair[1].outputs[0]
                    }
                    if let fp8 {
                        let choice = Self.choice(
                            float8Flag, fp8, output, name: original + "_sensitivity_fp8_switch",
                            output: graph.uniqueName(original + "_sensitivity_eight_bit"), in: graph)
                        float8Nodes.append(choice)
                        eightBit = choice.outputs[0]!
                    }
                }
                let choice = Self.choice(
                    flag, eightBit, unquantized, name: original + "_sensitivity_switch", output: original, in: graph)
                wideNodes = float8Nodes + wideNodes
                var previous = node
                for wideNode in wideNodes {
                    try graph.insert(wideNode, after: previous)
                    previous = wideNode
                }
                try graph.insert(choice, after: previous)
                switches += wideNodes
                for use in uses { use.node.setInput(use.inputIndex, choice.outputs[0]) }
                if wasOutput {
                    try graph.setOutputs(graph.outputs.map { $0 === output ? choice.outputs[0]! : $0 })
                }
                switches.append(choice)
            }
            let description = floatIndex.describe(tensor, quantizedName: first.name, preQuantizedName: nil)
            sites.append(
                SensitivitySite(
                    tensor: tensor, kind: group.isWeight ? .weight : .activation, node: description.nodeName,
                    opType: description.opType, position: description.position, flag: flag.name,
                    wideFlag: wideFlag?.name, float8Flag: float8Flag?.name, switches: switches,
                    floatSource: float8Only ? dequantized[0] : floatSource.name, dequantized: dequantized,
                    floatWeight: floatWeight,
                    storedBits: group.isWeight ? group.source.initializer?.dataType.bitWidth : nil,
                    float8Only: float8Only))
        }
        model = copy
        self.sites = sites
        self.skipped = skipped + Self.bodyTensors(of: copy.graph)
    }

    /// The tensors quantized inside If/Loop/Scan bodies, which are not switched: the switches are graph inputs of
    /// the main graph, so sensitivity and `--mixed-precision` measure and move main-graph pairs only, and a body's
    /// pairs stay as quantized in every run.
    static func bodyTensors(of graph: Graph) -> [SkippedSensitivityTensor] {
        var result: [SkippedSensitivityTensor] = []
        var seen = Set<String>()
        var pending = graph.nodes.flatMap(\.subgraphs)
        while let body = pending.popLast() {
            for node in body.nodes {
                pending += node.subgraphs
                guard node.opType == "DequantizeLinear", let input = node.inputs.first ?? nil else { continue }
                let source = input.producer?.opType == "QuantizeLinear" ? input.producer?.inputs.first ?? nil : input
                var tensor = source?.name ?? input.name
                // A quantized initializer stands for the float weight it was named after.
                if source === input, tensor.hasSuffix("_quantized") { tensor.removeLast("_quantized".count) }
                guard seen.insert(tensor).inserted else { continue }
                result.append(
                    .init(
                        tensor: tensor,
                        reason: "inside an If/Loop/Scan body: only main-graph pairs are measured and switched "
                            + "(it stays quantized)"))
            }
        }
        return result
    }

    /// A QuantizeLinear of `source` with `parameters` and its DequantizeLinear, named after `names` (made
    /// unique in `graph`).
    private static func pair(
        of source: Value, _ parameters: (scale: Value, zeroPoint: Value), attributes: [Attribute] = [],
        names: (quantize: String, dequantize: String), in graph: Graph
    ) -> [Node] {
        let quantize = Node(
            opType: "QuantizeLinear", name: graph.uniqueName(names.quantize, avoidingNodeNames: true),
            inputs: [source, parameters.scale, parameters.zeroPoint],
            outputNames: [graph.uniqueName(names.quantize)], attributes: attributes)
        let dequantize = Node(
            opType: "DequantizeLinear", name: graph.uniqueName(names.dequantize, avoidingNodeNames: true),
            inputs: [quantize.outputs[0], parameters.scale, parameters.zeroPoint],
            outputNames: [graph.uniqueName(names.dequantize)], attributes: attributes)
        return [quantize, dequantize]
    }

    /// A switch: `Where(flag, chosen, otherwise)` named after `name` (made unique in `graph`), writing `output`.
    private static func choice(
        _ flag: Value, _ chosen: Value, _ otherwise: Value, name: String, output: String, in graph: Graph
    ) -> Node {
        Node(
            opType: "Where", name: graph.uniqueName(name, avoidingNodeNames: true),
            inputs: [flag, chosen, otherwise], outputNames: [output])
    }

    private static func floats(_ tensor: Tensor, tensor name: String) throws -> [Float] {
        do {
            return try NDArray(tensor: tensor).floatValues()
        } catch {
            throw CompareError.unreadable(tensor: name, model: "float model", reason: "\(error)")
        }
    }
}

/// A quantized tensor sensitivity analysis leaves out, and why.
public struct SkippedSensitivityTensor: Sendable, Equatable, Codable {
    /// The tensor's name in the float model.
    public var tensor: String
    /// Why it is not measured.
    public var reason: String

    /// Creates the entry.
    public init(tensor: String, reason: String) {
        self.tensor = tensor
        self.reason = reason
    }
}

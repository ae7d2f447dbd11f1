import OnnxIR

/// Finds, for each quantized activation and weight of a QDQ model, the float model's tensor it stands for.
///
/// The match goes through the Q/DQ pairs first: a DequantizeLinear fed by a QuantizeLinear stands
/// for the QuantizeLinear's input, and one fed by a constant stands for that constant before
/// quantization. Names then settle which float tensor that is: the same name, or the name with
/// ONNX Runtime's or qdqc's suffixes removed (`X_QuantizeLinear_Input` for a renamed graph output,
/// `X_DequantizeLinear_Output`, `X_dequantized`, `W_quantized`). Graph outputs are always paired by name (or, when
/// the names differ, by position), with or without a Q/DQ pair in front of them.
public struct TensorMatcher {
    /// ONNX Runtime's suffixes (longest first, so `_DequantizeLinear_Output_1` is tried before its
    /// prefix) and qdqc's own (`X_quantized` → `X_dequantized`, written by insert-qdq).
    static let dequantizedSuffixes = ["_DequantizeLinear_Output_1", "_DequantizeLinear_Output", "_dequantized"]
    static let quantizeInputSuffix = "_QuantizeLinear_Input"
    static let quantizedWeightSuffixes = ["_quantized"]

    private let floatModel: Model
    private let quantizedModel: Model

    /// Prepares to match `quantized` against `float`.
    public init(float: Model, quantized: Model) {
        floatModel = float
        quantizedModel = quantized
    }

    /// The pairs in the quantized graph's order, each float tensor at most once; graph outputs last
    /// unless a Q/DQ pair already covers them. With `outputsOnly`, only the graph outputs, and with
    /// `bodyTensors` as well the pairs inside If/Loop/Scan bodies.
    public func pairs(outputsOnly: Bool = false, bodyTensors: Bool = false) -> [TensorPair] {
        let index = FloatGraphIndex(graph: floatModel.graph)
        var pairs: [TensorPair] = []
        var matched: Set<String> = []
        if !outputsOnly || bodyTensors {
            for node in quantizedModel.graph.allNodes() where Self.isDequantize(node) {
                if outputsOnly, node.graph === quantizedModel.graph { continue }
                guard let pair = pair(for: node, index: index), !matched.contains(pair.floatName) else { continue }
                matched.insert(pair.floatName)
                pairs.append(pair)
            }
        }
        let floatOutputs = floatModel.graph.outputs
        let quantizedOutputs = quantizedModel.graph.outputs
        for (position, output) in floatOutputs.enumerated() {
            let sameName = quantizedOutputs.first { $0.name == output.name }
            let samePlace = floatOutputs.count == quantizedOutputs.count ? quantizedOutputs[position] : nil
            guard let counterpart = sameName ?? samePlace else { continue }
            if let existing = pairs.firstIndex(where: { $0.floatName == output.name }) {
                pairs[existing].kind = .output
                continue
            }
            var pair = index.describe(output.name, quantizedName: counterpart.name, preQuantizedName: nil)
            pair.kind = .output
            pairs.append(pair)
        }
        return pairs
    }

    /// Display names of the DequantizeLinear nodes whose float counterpart cannot be found.
    public func unmatchedDequantizeNodes() -> [String] {
        let index = FloatGraphIndex(graph: floatModel.graph)
        return quantizedModel.graph.allNodes().filter { Self.isDequantize($0) && pair(for: $0, index: index) == nil }
            .map(\.displayName)
    }

    /// The pair a DequantizeLinear node makes, or nil when its float counterpart cannot be found.
    /// A DequantizeLinear in an If/Loop/Scan body stands for a tensor of the same body: every name tried is
    /// prefixed with the body's path (`ScopedValueNames`), and the pair carries scoped names in both models.
    private func pair(for node: Node, index: FloatGraphIndex) -> TensorPair? {
        guard let output = node.outputs.first ?? nil, let source = node.inputs.first ?? nil else { return nil }
        let scope = Self.scope(of: node)
        guard var pair = plainPair(for: node, output: output, source: source, index: index, scope: scope) else {
            return nil
        }
        pair.quantizedName = scope + pair.quantizedName
        pair.preQuantizedName = pair.preQuantizedName.map { scope + $0 }
        return pair
    }

    /// The body path of the graph `node` sits in ("" in the main graph), as `ScopedValueNames` writes it.
    static func scope(of node: Node) -> String {
        var prefix = ""
        var graph = node.graph
        while let body = graph, let holder = body.parentNode {
            let attribute = holder.attributes.first { $0.subgraphs.contains { $0 === body } }?.name ?? "?"
            prefix = ScopedValueNames.bodyPrefix(of: holder, attribute: attribute, outer: nil) + prefix
            graph = holder.graph
        }
        return prefix
    }

    private func plainPair(for node: Node, output: Value, source: Value, index: FloatGraphIndex, scope: String)
        -> TensorPair?
    {
        var candidates: [String] = []
        var preQuantizedName: String?
        if let quantize = source.producer, Self.isQuantize(quantize), let before = quantize.inputs.first ?? nil {
            preQuantizedName = before.name
            candidates.append(before.name)
            candidates.append(contentsOf: Self.stripping([Self.quantizeInputSuffix], from: before.name))
        } else if Self.isConstant(source) {
            candidates.append(contentsOf: Self.stripping(Self.quantizedWeightSuffixes, from: source.name))
        } else {
            return nil
        }
        candidates.append(output.name)
        candidates.append(contentsOf: Self.stripping(Self.dequantizedSuffixes, from: output.name))
        guard let floatName = candidates.map({ scope + $0 }).first(where: { index.contains($0) }) else { return nil }
        return index.describe(floatName, quantizedName: output.name, preQuantizedName: preQuantizedName)
    }

    /// The name without whichever of `suffixes` it ends with (empty when none does).
    static func stripping(_ suffixes: [String], from name: String) -> [String] {
        for suffix in suffixes where name.hasSuffix(suffix) && name.count > suffix.count {
            return [String(name.dropLast(suffix.count))]
        }
        return []
    }

    static func isDequantize(_ node: Node) -> Bool {
        node.opType == "DequantizeLinear"
            && (node.domain == "" || node.domain == "ai.onnx" || node.domain == "com.microsoft")
    }

    static func isQuantize(_ node: Node) -> Bool {
        node.opType == "QuantizeLinear"
            && (node.domain == "" || node.domain == "ai.onnx" || node.domain == "com.microsoft")
    }

    /// An initializer or a Constant node's output.
    static func isConstant(_ value: Value) -> Bool {
        value.isConstant || value.producer?.opType == "Constant"
    }
}

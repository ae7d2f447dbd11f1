import Calibration
import OnnxIR
import Quantization

/// Applies a finished `QDQPlanner` plan to its graph and says what it did, tensor by tensor.
///
/// Each pair and each quantized weight goes into the graph that defines its tensor: a body's own values
/// and constants are quantized inside the body, a value a body captures is quantized once in the graph
/// around it, before the node holding the body, and the body reads the DequantizeLinear's output.
/// Decisions name tensors by their scoped names (`ScopedValueNames`).
struct QDQRewriter {
    let graph: Graph
    let target: QuantizationTarget
    let calibrationMethod: String?
    private(set) var decisions: [QuantizationDecision] = []
    /// The plan's scoped names, for decisions.
    private var names: ScopedValueNames?
    /// The model's pairs moved to float8, by scoped tensor name: their decisions say so instead of "kept".
    private var formatChanges: [String: ForeignFormatChange] = [:]

    init(graph: Graph, target: QuantizationTarget, calibrationMethod: String?) {
        self.graph = graph
        self.target = target
        self.calibrationMethod = calibrationMethod
    }

    /// Rewrites the graph: weights and biases first (their DequantizeLinear sit before their consumers),
    /// then one pair per activation.
    mutating func apply(_ plan: QDQPlanner) throws {
        names = plan.names
        formatChanges = Dictionary(plan.formatChanges.map { ($0.tensor, $0) }, uniquingKeysWith: { a, _ in a })
        var weightOutputs: [Value] = []
        for mark in plan.weights {
            weightOutputs.append(try rewriteWeight(mark))
        }
        for bias in plan.biases {
            guard let inputParams = plan.activationParams(bias.input),
                let weightParams = plan.weights[bias.weight].params
            else { continue }
            try rewriteBias(bias, inputScale: inputParams.scale, weightScales: weightParams.scales)
        }
        for mark in plan.activations {
            let ownRange = mark.source.isOwnRange && mark.keptFrom == nil
            try rewriteActivation(mark, range: ownRange ? (try? plan.range(of: mark.value)) : nil)
        }
        let quantized = Set(decisions.filter(\.quantized).map(\.tensor))
        for (tensor, rule) in plan.skipped where !quantized.contains(tensor) {
            decisions.append(QuantizationDecision(tensor: tensor, quantized: false, rule: rule))
        }
        for mark in plan.weights where !mark.value.hasUses && !mark.value.isGraphOutput {
            try removeConstant(mark.value)
        }
        for bias in plan.biases where !bias.value.hasUses && !bias.value.isGraphOutput {
            try removeConstant(bias.value)
        }
    }

    private mutating func rewriteWeight(_ mark: WeightMark) throws -> Value {
        guard let params = mark.params else {
            throw InsertQDQError("insert-qdq: no parameters for '\(mark.value.name)'")
        }
        var tensor = mark.tensor
        tensor.name = mark.value.name
        let quantized: QuantizedWeight
        do {
            quantized = try WeightQuantizer.quantize(tensor, params: params)
        } catch let error as QuantizationError {
            throw InsertQDQError("insert-qdq: \(error)")
        }
        let base = mark.value.name
        let home = mark.value.graph ?? graph
        var rewrite = GraphRewrite()
        let data = rewrite.addInitializer(quantized.weight, name: freshName(base + "_quantized"))
        let scale = rewrite.addInitializer(quantized.scale, name: freshName(base + "_scale"))
        let zeroPoint = rewrite.addInitializer(quantized.zeroPoint, name: freshName(base + "_zero_point"))
        let output = try insertDequantize(
            inputs: [data, scale, zeroPoint], base: base, axis: params.axis, blockSize: params.blockSize,
            shape: mark.value.shape, before: try firstNode(of: mark.uses.map(\.node), in: home), into: &rewrite)
        for use in mark.uses { rewrite.redirect(use.node, input: use.index, to: output) }
        try home.apply(rewrite)
        decisions.append(
            QuantizationDecision(
                tensor: scopedName(mark.value), quantized: true,
                rule: mark.rule + keptNote(mark.keptFrom, tensor: scopedName(mark.value)),
                format: params.format.rawValue, scales: params.scales, zeroPoints: params.zeroPoints.map(Double.init),
                axis: params.axis, blockSize: params.blockSize))
        return output
    }

    private mutating func rewriteBias(_ bias: BiasMark, inputScale: Float, weightScales: [Float]) throws {
        var tensor = bias.tensor
        tensor.name = bias.value.name
        let quantized: QuantizedBias
        do {
            quantized = try BiasQuantizer.quantize(tensor, inputScale: inputScale, weightScales: weightScales)
        } catch QuantizationError.invalidParameters(_, let reason) {
            // s_input * s_weight below float32's normal range: an int32 bias cannot represent it, float can.
            decisions.append(
                QuantizationDecision(
                    tensor: scopedName(bias.value), quantized: false,
                    rule: "\(target.name): bias of '\(bias.node.displayName)' stays float: \(reason)"))
            return
        } catch let error as QuantizationError {
            throw InsertQDQError("insert-qdq: \(error)")
        }
        let base = bias.value.name
        let home = bias.value.graph ?? graph
        var rewrite = GraphRewrite()
        let data = rewrite.addInitializer(quantized.bias, name: freshName(base + "_quantized"))
        let scale = rewrite.addInitializer(quantized.scale, name: freshName(base + "_quantized_scale"))
        let zeroPoint = rewrite.addInitializer(quantized.zeroPoint, name: freshName(base + "_quantized_zero_point"))
        let output = try insertDequantize(
            inputs: [data, scale, zeroPoint], base: base, axis: quantized.axis, blockSize: nil,
            shape: bias.value.shape, before: try firstNode(of: [bias.node], in: home), into: &rewrite)
        rewrite.redirect(bias.node, input: bias.index, to: output)
        try home.apply(rewrite)
        var rule =
            "\(target.name): int32 bias of \(bias.node.opType) '\(bias.node.displayName)', scale s_input*s_weight"
        if quantized.overflowed { rule += " (\(quantized.clippedIndices.count) values clipped to int32)" }
        decisions.append(
            QuantizationDecision(
                tensor: scopedName(bias.value), quantized: true, rule: rule, format: "int32", scales: quantized.scales,
                zeroPoints: Array(repeating: 0, count: quantized.scales.count), axis: quantized.axis))
    }

    private mutating func rewriteActivation(_ mark: ActivationMark, range: CalibrationRange?) throws {
        guard let params = mark.params else {
            throw InsertQDQError("insert-qdq: no parameters for '\(mark.value.name)'")
        }
        let value = mark.value
        let base = value.name
        let home = value.graph ?? graph
        let set = try QuantParamSet(
            format: params.format, granularity: .perTensor, tensorShape: [], scales: [params.scale],
            zeroPoints: [params.zeroPoint], tensor: base)
        var rewrite = GraphRewrite()
        let scale = rewrite.addInitializer(set.scaleTensor(name: nil), name: freshName(base + "_scale"))
        let zeroPoint = rewrite.addInitializer(set.zeroPointTensor(name: nil), name: freshName(base + "_zero_point"))
        let quantize = Node(
            opType: "QuantizeLinear", name: freshName(base + "_QuantizeLinear"), inputs: [value, scale, zeroPoint],
            outputNames: [freshName(base + "_quantized")])
        let quantized = quantize.outputs[0]
        quantized?.type = .tensor(params.format.dataType, value.shape)
        if let producer = value.producer, producer.graph === home {
            rewrite.insert(quantize, after: producer)
        } else if let first = home.nodes.first {
            rewrite.insert(quantize, before: first)
        } else {
            rewrite.append(quantize)
        }
        let dequantize = Node(
            opType: "DequantizeLinear", name: freshName(base + "_DequantizeLinear"),
            inputs: [quantized, scale, zeroPoint], outputNames: [freshName(base + "_dequantized")])
        guard let dequantized = dequantize.outputs[0] else { return }
        dequantized.type = .tensor(.float, value.shape)
        rewrite.insert(dequantize, after: quantize)
        if mark.allUses {
            // The DequantizeLinear takes over the graph output's name, so the model's interface keeps its names.
            // A graph input that is also an output stays as it is: renaming it would change what users feed.
            let movesOutput = value.isGraphOutput && target.quantizesGraphOutputs && value.producer != nil
            rewrite.replaceAllUses(
                of: value, with: dequantized, graphOutputs: movesOutput ? .rewire : .leave, except: [quantize])
            if movesOutput {
                let outputName = value.name
                rewrite.rename(value, to: freshName(outputName + "_float"))
                rewrite.rename(dequantized, to: outputName)
            }
        } else {
            for use in mark.uses { rewrite.redirect(use.node, input: use.index, to: dequantized) }
        }
        try home.apply(rewrite)
        decisions.append(
            QuantizationDecision(
                tensor: scopedName(value), quantized: true,
                rule: mark.rule + keptNote(mark.keptFrom, tensor: scopedName(mark.value)),
                format: params.format.rawValue, scales: [params.scale], zeroPoints: [Double(params.zeroPoint)],
                calibratedRange: mark.keptFrom == nil ? range : nil,
                calibrationMethod: range == nil || mark.keptFrom != nil ? nil : calibrationMethod))
    }

    /// What a decision's rule adds when the parameters are the input model's own (or its range, moved to float8).
    func keptNote(_ node: String?, tensor: String) -> String {
        if node != nil, let change = formatChanges[tensor] { return change.note }
        return node.map { " (the model's own parameters, from '\($0)', kept)" } ?? ""
    }

    /// Adds to `rewrite` a DequantizeLinear of `inputs` placed before `anchor`; returns its output.
    private func insertDequantize(
        inputs: [Value], base: String, axis: Int?, blockSize: Int?, shape: Shape?, before anchor: Node,
        into rewrite: inout GraphRewrite
    ) throws -> Value {
        var attributes: [Attribute] = []
        if let axis { attributes.append(Attribute("axis", .int(Int64(axis)))) }
        if let blockSize { attributes.append(Attribute("block_size", .int(Int64(blockSize)))) }
        let node = Node(
            opType: "DequantizeLinear", name: freshName(base + "_DequantizeLinear"), inputs: inputs,
            outputNames: [freshName(base + "_dequantized")], attributes: attributes)
        guard let output = node.outputs[0] else {
            throw InsertQDQError("insert-qdq: cannot create an output for '\(base)'")
        }
        output.type = .tensor(.float, shape)
        rewrite.insert(node, before: anchor)
        return output
    }

    /// A name no value and no node has, in the main graph or any body (one name table for the tree):
    /// insert-qdq names nodes and values from one pool, so a name in a dump points at one thing.
    private func freshName(_ base: String) -> String { graph.uniqueName(base, avoidingNodeNames: true) }

    /// The scoped name of `value` (its own name in the main graph).
    private func scopedName(_ value: Value) -> String { names?.name(of: value) ?? value.name }

    /// The first node of `home` that is one of `nodes` or holds one of them in a body (at any depth): where a
    /// DequantizeLinear read by all of them goes.
    private func firstNode(of nodes: [Node], in home: Graph) throws -> Node {
        var positions: [(index: Int, node: Node)] = []
        for node in nodes {
            var current: Node? = node
            while let candidate = current, candidate.graph !== home { current = candidate.graph?.parentNode }
            if let anchor = current, let index = home.index(of: anchor) { positions.append((index, anchor)) }
        }
        guard let first = positions.min(by: { $0.index < $1.index }) else {
            throw InsertQDQError(
                "insert-qdq: no reader of a constant sits in graph '\(home.displayName)' or its bodies")
        }
        return first.node
    }

    private func removeConstant(_ value: Value) throws {
        if let owner = value.ownerGraph, value.initializer != nil {
            try owner.removeInitializer(value)
        } else if let producer = value.producer, producer.opType == "Constant", let home = producer.graph {
            try home.remove(producer)
        }
    }
}

extension ActivationMark.Source {
    /// Whether the parameters come from the tensor's own range.
    var isOwnRange: Bool {
        if case .range = self { return true }
        return false
    }
}

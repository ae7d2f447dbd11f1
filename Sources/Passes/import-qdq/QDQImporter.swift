import OnnxIR
import Quantization

/// The work of one `import-qdq` run: checks every QuantizeLinear/DequantizeLinear pair of the main graph,
/// records its parameters, and takes it out, leaving the float graph the rest of the pipeline expects.
///
/// Activation pairs `x → Q → DQ → readers` become `x → readers`. A DequantizeLinear of a constant becomes
/// the float constant it computes, and a pair on a float constant (fake-quantized weights) becomes the
/// constant's fake-quantized values, so calibration sees what the model computed and `insert-qdq`, quantizing
/// it again with the recorded parameters, writes the very same codes.
struct QDQImporter {
    let graph: Graph
    /// Whether the pairs' parameters are dropped rather than kept (`requantize=true`): nothing is checked
    /// then, and calibration decides every scale.
    let requantize: Bool
    /// The model's default-domain opset, which decides how a restored Clip takes its bounds.
    let opset: Int64
    private(set) var foreign = ForeignQuantization()
    private(set) var statistics: [String: Int] = [
        "activation-pairs": 0, "quantized-constants": 0, "fake-quantized-constants": 0,
    ]

    init(graph: Graph, requantize: Bool, opset: Int64) {
        self.graph = graph
        self.requantize = requantize
        self.opset = opset
    }

    /// Whether `node` is a QuantizeLinear or DequantizeLinear of the default domain.
    static func isQDQ(_ node: Node) -> Bool {
        ["QuantizeLinear", "DequantizeLinear"].contains(node.opType) && OpsetImport.isDefaultDomain(node.domain)
    }

    /// Checks every pair first (so a refused model is left as it was), then takes them out in graph order.
    mutating func run() throws {
        let quantizers = graph.nodes.filter { $0.opType == "QuantizeLinear" && Self.isQDQ($0) }
        let dequantizers = graph.nodes.filter { $0.opType == "DequantizeLinear" && Self.isQDQ($0) }
        var plans: [PairPlan] = []
        for node in quantizers { plans.append(try plan(quantizer: node)) }
        for node in dequantizers where !isQuantizerOutput(node.inputs.first ?? nil) {
            plans.append(try plan(constantDequantizer: node))
        }
        for plan in plans { try apply(plan) }
    }

    // MARK: - Planning (reads and checks; changes nothing)

    /// What to do with one pair.
    private enum PairPlan {
        /// `x → Q → DQ… → readers` with x an activation.
        /// `clamp`: the range `[0, upper]` of a pair whose integer grid starts at exactly zero, nil otherwise.
        case activation(quantizer: Node, dequantizers: [Node], params: QuantParamSet?, clamp: Float?)
        /// `w → Q → DQ… → readers` with w a float constant.
        case fakeQuantizedConstant(quantizer: Node, dequantizers: [Node], values: [Float], params: QuantParamSet?)
        /// `q → DQ → readers` with q a quantized constant.
        case quantizedConstant(dequantizer: Node, values: [Float], params: QuantParamSet?)
    }

    private func isQuantizerOutput(_ value: Value?) -> Bool {
        guard let producer = value?.producer else { return false }
        return producer.opType == "QuantizeLinear" && Self.isQDQ(producer)
    }

    private func plan(quantizer: Node) throws -> PairPlan {
        let name = "QuantizeLinear '\(quantizer.displayName)'"
        guard let input = quantizer.inputs.first ?? nil, let output = quantizer.outputs.first ?? nil else {
            throw ImportQDQError("import-qdq: \(name) has no input or no output")
        }
        let params = try ForeignPairParameters.read(quantizer, inputType: input.elementType)
        if output.isAnyGraphOutput {
            throw ImportQDQError(
                "import-qdq: \(name): its quantized output '\(output.name)' is a graph output, which qdqc cannot "
                    + "express as a float model")
        }
        var dequantizers: [Node] = []
        for use in output.uses {
            let reader = use.node
            guard reader.opType == "DequantizeLinear", Self.isQDQ(reader), use.inputIndex == 0 else {
                throw ImportQDQError(
                    "import-qdq: \(name): its output is read by \(reader.opType) '\(reader.displayName)', not a "
                        + "DequantizeLinear")
            }
            guard reader.graph === graph else {
                throw ImportQDQError(
                    "import-qdq: \(name): its output is read inside a subgraph by '\(reader.displayName)'")
            }
            if !requantize { try checkAgreement(reader, with: params, quantizer: name) }
            dequantizers.append(reader)
        }
        if dequantizers.filter({ $0.outputs.first??.isAnyGraphOutput ?? false }).count > 1 {
            throw ImportQDQError("import-qdq: \(name): more than one of its DequantizeLinear outputs is a graph output")
        }
        if let constant = ConstantData.tensor(of: input) {
            guard constant.dataType == .float, let floats = ConstantData.floats(constant) else {
                throw ImportQDQError("import-qdq: \(name): quantizes a constant that is not float32")
            }
            let shape = constant.dims.map(Int.init)
            if requantize {
                // The model's computation is kept when its parameters are usable; otherwise the float values stand.
                var values = floats
                if let usable = try? params.check(shape: shape),
                    let computed = try? fakeQuantize(floats, params: usable)
                {
                    values = computed
                }
                return .fakeQuantizedConstant(
                    quantizer: quantizer, dequantizers: dequantizers, values: values, params: nil)
            }
            let checked = try params.check(shape: shape)
            return .fakeQuantizedConstant(
                quantizer: quantizer, dequantizers: dequantizers, values: try fakeQuantize(floats, params: checked),
                params: checked)
        }
        let clamp = Self.clampAtZero(params)
        if requantize {
            return .activation(quantizer: quantizer, dequantizers: dequantizers, params: nil, clamp: clamp)
        }
        guard params.granularity == .perTensor else {
            throw ImportQDQError(
                "import-qdq: \(name): per-channel or per-block parameters on an activation are not supported "
                    + "(give --requantize to replace the pair by calibration)")
        }
        return .activation(
            quantizer: quantizer, dequantizers: dequantizers, params: try params.check(shape: []), clamp: clamp)
    }

    /// `[0, upper]` for a per-tensor integer pair whose zero point is its type's minimum: the pair maps every
    /// negative value to zero and every value above `upper` to `upper`.
    static func clampAtZero(_ params: ForeignPairParameters) -> Float? {
        guard let format = QuantFormat(dataType: params.dataType), !format.isFloat,
            let range = format.integerRange(), params.scales.count == 1, params.zeroPoints == [range.lowerBound],
            params.scales[0].isFinite, params.scales[0] > 0
        else { return nil }
        return params.scales[0] * Float(range.upperBound - range.lowerBound)
    }

    /// Whether every reader of the pair's float outputs is a Relu, which clamps the lower end itself.
    static func onlyReLUsRead(_ dequantizers: [Node]) -> Bool {
        let outputs = dequantizers.compactMap { $0.outputs.first ?? nil }
        return !outputs.isEmpty
            && outputs.allSatisfy { output in
                !output.isAnyGraphOutput && !output.uses.isEmpty
                    && output.uses.allSatisfy {
                        $0.node.opType == "Relu" && OpsetImport.isDefaultDomain($0.node.domain)
                    }
            }
    }

    /// Whether `value` is the output of an operator whose results are never negative.
    static func isNonNegative(_ value: Value) -> Bool {
        guard let producer = value.producer, OpsetImport.isDefaultDomain(producer.domain) else { return false }
        switch producer.opType {
        case "Relu", "Sigmoid", "Softmax", "HardSigmoid", "Abs", "Exp", "Sqrt", "Softplus":
            return true
        case "Clip":
            guard producer.inputs.count > 1, let low = producer.inputs[1],
                let tensor = ConstantData.tensor(of: low), let values = ConstantData.floats(tensor)
            else { return false }
            return values.allSatisfy { $0 >= 0 }
        default:
            return false
        }
    }

    /// A DequantizeLinear must undo its QuantizeLinear exactly: same type, scales and zero points.
    private func checkAgreement(_ dequantizer: Node, with params: ForeignPairParameters, quantizer: String) throws {
        let name = "DequantizeLinear '\(dequantizer.displayName)'"
        let own = try ForeignPairParameters.read(dequantizer, inputType: params.dataType)
        if let type = own.zeroPointType, type != params.dataType {
            throw ImportQDQError(
                "import-qdq: \(name): its zero point is \(type) but \(quantizer) produces \(params.dataType) "
                    + "(give --requantize to replace the pair by calibration)")
        }
        guard own.matches(params) else {
            throw ImportQDQError(
                "import-qdq: \(name): its scale or zero point differs from \(quantizer)'s "
                    + "(give --requantize to replace the pair by calibration)")
        }
    }

    private func plan(constantDequantizer node: Node) throws -> PairPlan {
        let name = "DequantizeLinear '\(node.displayName)'"
        guard let input = node.inputs.first ?? nil, let constant = ConstantData.tensor(of: input) else {
            throw ImportQDQError(
                "import-qdq: \(name) reads '\((node.inputs.first ?? nil)?.name ?? "")', which is neither a constant "
                    + "nor a QuantizeLinear output")
        }
        guard let output = node.outputs.first ?? nil, !output.isAnyGraphOutput else {
            throw ImportQDQError("import-qdq: \(name): its output is a graph output")
        }
        let params = try ForeignPairParameters.read(node, inputType: constant.dataType)
        if let type = params.zeroPointType, type != constant.dataType {
            throw ImportQDQError(
                "import-qdq: \(name): its zero point is \(type) but its input '\(input.name)' is \(constant.dataType)"
                    + (requantize ? "" : " (give --requantize to replace the pair by calibration)"))
        }
        let shape = constant.dims.map(Int.init)
        let values = try dequantize(constant, params: params, node: name)
        // int32 biases are not a format of their own: insert-qdq derives them from the input and weight scales.
        if requantize || constant.dataType == .int32 {
            return .quantizedConstant(dequantizer: node, values: values, params: nil)
        }
        return .quantizedConstant(dequantizer: node, values: values, params: try params.check(shape: shape))
    }

    // MARK: - Arithmetic

    /// DequantizeLinear(QuantizeLinear(values)) with `params`, as the model computed it (overflow clamped, see
    /// `finite`).
    private func fakeQuantize(_ values: [Float], params: QuantParamSet) throws -> [Float] {
        let data = try WeightQuantizer.quantizedData(values: values, params: params, tensor: "")
        return Self.finite(try Dequantizer.dequantize(data: data, params: params, tensor: ""))
    }

    /// `values` with ±infinity clamped to float32's largest finite magnitude.
    ///
    /// A dequantized constant can overflow where the value it stands for did not: ONNX Runtime quantizes an
    /// attention mask's fill value, float32's lowest, to code -128 with scale `|lowest| / 127.5`, and
    /// `-128 · scale` is beyond float32, so its DequantizeLinear gives -inf and `0 · -inf` then gives NaN where
    /// the float model had 0. Every real value a finite scale quantizes was finite, so the closest finite value
    /// is the one it stood for (a pair kept on it re-quantizes the clamped value: the same code when the product
    /// overflows by less than half a step, as ONNX Runtime's does).
    static func finite(_ values: [Float]) -> [Float] {
        guard values.contains(where: \.isInfinite) else { return values }
        return values.map { $0.isInfinite ? ($0 < 0 ? -Float.greatestFiniteMagnitude : .greatestFiniteMagnitude) : $0 }
    }

    /// DequantizeLinear of a constant: `(q - zero point) * scale` per element, in float32 (8-bit floats: their
    /// value times the scale); works for int32 biases and, under `requantize`, for parameters no check accepts.
    private func dequantize(_ constant: Tensor, params: ForeignPairParameters, node: String) throws -> [Float] {
        let dims = constant.dims.map(Int.init)
        if let format = QuantFormat(dataType: constant.dataType), format.isFloat,
            let checked = try? params.check(shape: dims)
        {
            return Self.finite(try Dequantizer.dequantize(constant, params: checked))
        }
        let codes: [Int]
        if let format = QuantFormat(dataType: constant.dataType), !format.isFloat {
            codes = try Dequantizer.codes(of: constant, format: format)
        } else if constant.dataType == .int32, let values = ConstantData.int64s(constant) {
            codes = values.map { Int($0) }
        } else {
            throw ImportQDQError("import-qdq: \(node): cannot dequantize a constant of type \(constant.dataType)")
        }
        let layout = ParameterIndex(dims: dims, granularity: params.granularity, count: params.scales.count)
        guard let layout, params.zeroPoints.count == params.scales.count else {
            throw ImportQDQError(
                "import-qdq: \(node): \(params.scales.count) scales do not fit its input's shape \(dims)")
        }
        return Self.finite(
            codes.enumerated().map { index, code in
                let parameter = layout.index(of: index)
                return (Float(code) - Float(params.zeroPoints[parameter])) * params.scales[parameter]
            })
    }

    // MARK: - Rewriting

    private mutating func apply(_ plan: PairPlan) throws {
        switch plan {
        case .activation(let quantizer, let dequantizers, let params, let clamp):
            guard let input = quantizer.inputs.first ?? nil else { return }
            var rewrite = GraphRewrite()
            // A pair whose grid starts at exactly zero clamps like a ReLU or ReLU6, and the tool that wrote it may
            // have folded one into it (ONNX Runtime drops a Relu or Clip whose output it quantizes with the zero
            // point at the type's minimum): the float graph gets the clamp back as a Clip to the pair's range,
            // which is what the pair computed, unless the input cannot be negative anyway.
            let restored = try clamp.flatMap { upper in
                Self.isNonNegative(input) || Self.onlyReLUsRead(dequantizers)
                    ? nil : try clampNode(input, upper: upper, after: quantizer, in: &rewrite)
            }
            let replacement = (restored?.outputs.first ?? nil) ?? input
            // Read before the rewrite: a graph output the replacement takes over stops being one.
            let tookOver = dequantizers.contains { $0.outputs.first??.isAnyGraphOutput ?? false }
            for dequantizer in dequantizers {
                guard let output = dequantizer.outputs.first ?? nil else { continue }
                if output.isAnyGraphOutput {
                    // The float tensor takes the output's name: the model's interface stays as it was.
                    rewrite.takeOver(output, by: replacement)
                } else {
                    rewrite.replaceAllUses(of: output, with: replacement)
                }
                rewrite.remove(dequantizer)
            }
            rewrite.remove(quantizer)
            try graph.apply(rewrite)
            try removeParameters(of: [quantizer] + dequantizers)
            // Only a value the graph computes, and only when no graph output took the clamp's output already
            // (`tookOver`): the names of graph inputs and outputs are the model's interface.
            if restored != nil, !tookOver, input.producer != nil, !input.isAnyGraphOutput {
                // The pair quantized what was the clamp's output: that name goes back to it.
                let name = input.name
                var rename = GraphRewrite()
                rename.rename(input, to: graph.uniqueName(name + "_unclamped", avoidingNodeNames: false))
                rename.rename(replacement, to: name)
                try graph.apply(rename)
            }
            statistics["activation-pairs", default: 0] += 1
            if restored != nil { statistics["clamps-restored", default: 0] += 1 }
            if let params {
                foreign.record(
                    ForeignQuantization.Entry(
                        tensor: replacement.name, node: quantizer.displayName, params: params, isConstant: false))
            }
        case .fakeQuantizedConstant(let quantizer, let dequantizers, let values, let params):
            guard let input = quantizer.inputs.first ?? nil else { return }
            let name = try replaceByConstant(
                values, shape: ConstantData.tensor(of: input)?.dims ?? [], readersOf: dequantizers,
                removing: [quantizer] + dequantizers, preferredName: input.name)
            statistics["fake-quantized-constants", default: 0] += 1
            if let params {
                foreign.record(
                    ForeignQuantization.Entry(
                        tensor: name, node: quantizer.displayName, params: params, isConstant: true))
            }
        case .quantizedConstant(let dequantizer, let values, let params):
            guard let input = dequantizer.inputs.first ?? nil, let output = dequantizer.outputs.first ?? nil else {
                return
            }
            // ONNX Runtime names a quantized weight `<weight>_quantized`: the float constant gets `<weight>` back.
            let suffix = "_quantized"
            let original = input.name.hasSuffix(suffix) ? String(input.name.dropLast(suffix.count)) : output.name
            let name = try replaceByConstant(
                values, shape: ConstantData.tensor(of: input)?.dims ?? [], readersOf: [dequantizer],
                removing: [dequantizer], preferredName: original.isEmpty ? output.name : original)
            statistics["quantized-constants", default: 0] += 1
            if let params {
                foreign.record(
                    ForeignQuantization.Entry(
                        tensor: name, node: dequantizer.displayName, params: params, isConstant: true))
            }
        }
    }

    /// A Clip of `input` to `[0, upper]`, inserted after `anchor` (the pair's QuantizeLinear) by `rewrite`.
    ///
    /// The bounds are attributes before opset 11 and float32 constants from it on. An input known not to be
    /// float32 gets a Relu, which clamps the lower end (import-qdq reads float32 scales only, so the input of a
    /// pair it takes apart is float32 in practice).
    private func clampNode(_ input: Value, upper: Float, after anchor: Node, in rewrite: inout GraphRewrite) throws
        -> Node
    {
        let name = graph.uniqueName(input.name + "_clamp", avoidingNodeNames: true)
        let output = graph.uniqueName(input.name + "_clamped", avoidingNodeNames: false)
        let node: Node
        if let type = input.elementType, type != .float {
            node = Node(opType: "Relu", name: name, inputs: [input], outputNames: [output])
        } else if opset < 11 {
            node = Node(
                opType: "Clip", name: name, inputs: [input], outputNames: [output],
                attributes: [Attribute("min", .float(0)), Attribute("max", .float(upper))])
        } else {
            let low = rewrite.addInitializer(
                Tensor.floats([0], dims: []), name: graph.uniqueName(name + "_min", avoidingNodeNames: true))
            let high = rewrite.addInitializer(
                Tensor.floats([upper], dims: []), name: graph.uniqueName(name + "_max", avoidingNodeNames: true))
            node = Node(opType: "Clip", name: name, inputs: [input, low, high], outputNames: [output])
        }
        rewrite.insert(node, after: anchor)
        return node
    }

    /// Replaces the outputs of `readersOf` by one float initializer holding `values`, removes `removing` and
    /// the constants only they read; the initializer takes `preferredName` once it is free. Returns its name.
    private func replaceByConstant(
        _ values: [Float], shape: [Int64], readersOf dequantizers: [Node], removing nodes: [Node],
        preferredName: String
    ) throws -> String {
        var rewrite = GraphRewrite()
        let constant = rewrite.addInitializer(
            Tensor.floats(values, dims: shape),
            name: graph.uniqueName(preferredName + "_float", avoidingNodeNames: true))
        for dequantizer in dequantizers {
            guard let output = dequantizer.outputs.first ?? nil else { continue }
            rewrite.replaceAllUses(of: output, with: constant)
        }
        for node in nodes { rewrite.remove(node) }
        try graph.apply(rewrite)
        try removeParameters(of: nodes)
        if graph.uniqueName(preferredName, avoidingNodeNames: false) == preferredName {
            var rename = GraphRewrite()
            rename.rename(constant, to: preferredName)
            try graph.apply(rename)
        }
        return constant.name
    }

    /// Removes the inputs of the removed `nodes` (quantized data, scales, zero points) nothing reads any more.
    private func removeParameters(of nodes: [Node]) throws {
        for value in nodes.flatMap({ $0.inputs.compactMap { $0 } }) {
            try GraphSurgery.removeIfUnused(value, in: graph)
        }
    }
}

/// Which scale of a per-tensor, per-channel or per-block parameter set applies to each element of a tensor.
private struct ParameterIndex {
    let inner: Int
    let axisSize: Int
    let blockSize: Int
    let blocks: Int
    let single: Bool
    let perChannel: Bool

    init?(dims: [Int], granularity: QuantGranularity, count: Int) {
        guard let axis = granularity.axis else {
            guard count == 1 else { return nil }
            (inner, axisSize, blockSize, blocks, single, perChannel) = (1, 1, 1, 1, true, false)
            return
        }
        let normalized = axis < 0 ? axis + dims.count : axis
        guard dims.indices.contains(normalized) else { return nil }
        inner = dims[(normalized + 1)...].reduce(1, *)
        axisSize = dims[normalized]
        blockSize = max(granularity.blockSize ?? 1, 1)
        blocks = (axisSize + blockSize - 1) / blockSize
        single = false
        perChannel = granularity.blockSize == nil
        let outer = dims[..<normalized].reduce(1, *)
        guard perChannel ? axisSize == count : outer * blocks * inner == count else { return nil }
    }

    /// The parameter of element `index` (row-major).
    func index(of element: Int) -> Int {
        if single { return 0 }
        let innerIndex = element % inner
        let along = (element / inner) % axisSize
        if perChannel { return along }
        let outer = element / (inner * axisSize)
        return (outer * blocks + along / blockSize) * inner + innerIndex
    }
}

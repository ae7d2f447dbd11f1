import Calibration
import OnnxIR
import Quantization

/// Decides which tensors of a graph get pairs, following the target's table, and with which parameters.
///
/// Nodes are visited in graph (topological) order, so a shape-only op sees whether its input was
/// quantized by an earlier node, as ONNX Runtime's QDQ quantizer does; the nodes of an If/Loop/Scan body
/// are visited right after the node holding it, under the same rules. A value a body reads from the graph
/// around it (a capture) has one mark, whichever graphs its readers sit in, so the rewriter quantizes it
/// once where it is defined. Tensors are looked up in the calibration table and the config by their scoped
/// names (`ScopedValueNames`). Nothing in the graph changes here: the rewriter applies the finished plan,
/// so an error leaves the model untouched.
struct QDQPlanner {
    let graph: Graph
    /// The scoped name of every value (body values named by their path).
    let names: ScopedValueNames
    let settings: InsertQDQSettings
    let table: CalibrationTable?
    /// Nodes an earlier pass needs in float (`split-outlier-channels`' exact side), by name.
    let floatNodes: Set<String>
    /// The parameters of the pairs the input model held (`import-qdq`): they win over calibration.
    let foreign: ForeignQuantization
    /// The model's pairs the target cannot take as they are, with why (their tensors are calibrated instead).
    private(set) var rejectedForeign: [(tensor: String, reason: String)] = []
    /// The model's integer pairs moved to the float8 format asked for, in the order met.
    private(set) var formatChanges: [ForeignFormatChange] = []

    private(set) var activations: [ActivationMark] = []
    private(set) var weights: [WeightMark] = []
    private(set) var biases: [BiasMark] = []
    /// Tensors considered and left in float, with the rule that decided, in order.
    private(set) var skipped: [(tensor: String, rule: String)] = []

    private var activationIndex: [ObjectIdentifier: Int] = [:]
    private var weightIndex: [WeightKey: Int] = [:]
    private var quantizedNodes: Set<ObjectIdentifier> = []
    private var rangeSource: [ObjectIdentifier: Value] = [:]
    private var groupOf: [ObjectIdentifier: Int] = [:]
    private var groups: [[Value]] = []
    private var skippedNames: Set<String> = []
    /// Nodes whose placement quantizes only inputs nothing reads in float: decided after every other node,
    /// once it is known which tensors other ops quantize anyway.
    private var deferred: [Node] = []

    private var target: QuantizationTarget { settings.target }

    /// Per graph (main and bodies): the mean/variance arithmetic of decomposed normalizations, which stays
    /// float for every target, and the products of causal attentions.
    private var analyses: [ObjectIdentifier: (statistics: NormalizationStatistics, attention: CausalAttention)] = [:]

    init(
        graph: Graph, settings: InsertQDQSettings, table: CalibrationTable?, floatNodes: Set<String> = [],
        foreign: ForeignQuantization = ForeignQuantization()
    ) throws {
        self.graph = graph
        self.names = try ScopedValueNames(graph: graph)
        self.settings = settings
        self.table = table
        self.floatNodes = floatNodes
        self.foreign = foreign
    }

    /// The name `value` has in the calibration table, the config and the decisions (its scoped name).
    func key(_ value: Value) -> String { names.name(of: value) }

    /// Visits every node (bodies' included), then resolves every parameter; throws on missing calibration or
    /// bad parameters.
    mutating func plan() throws {
        try visitNodes(of: graph)
        let deferredNodes = Set(deferred.map(ObjectIdentifier.init))
        for node in deferred { visitUnsharedInputs(node, deferred: deferredNodes) }
        try resolveActivations()
        try resolveWeightsAndBiases()
    }

    // MARK: - Placement

    private mutating func visitNodes(of graph: Graph) throws {
        analyses[ObjectIdentifier(graph)] = (NormalizationStatistics(graph: graph), CausalAttention(graph: graph))
        for node in graph.nodes {
            if OpsetImport.isDefaultDomain(node.domain) { try visit(node) }
            for body in node.subgraphs { try visitNodes(of: body) }
        }
    }

    private mutating func visit(_ node: Node) throws {
        let isResidualAdd = node.opType == "Add" && target.quantizesResidualAddSide
        guard isResidualAdd || target.placements[node.opType] != nil else { return }
        if let reason = settings.exclusion(of: node) ?? floatNodeReason(node) {
            for value in node.inputs.compactMap({ $0 }) where isFloat(value) { skip(value, reason) }
            return
        }
        if isResidualAdd {
            planResidualAdd(node)
            return
        }
        guard let placement = target.placements[node.opType] else { return }
        if let reason = heuristicReason(node) {
            for value in node.inputs.compactMap({ $0 }) where isFloat(value) { skip(value, reason) }
            return
        }
        if placement.quantizesOnlyUnsharedInputs {
            deferred.append(node)
            return
        }
        let rule = "\(target.name): \(node.opType) '\(node.displayName)'"
        if placement.sharedScaleAcrossInputs {
            join(node.inputs.compactMap { $0 }.filter { isFloat($0) && !isConstant($0) } + floatOutputs(node))
        }
        if target.rangeNarrowingActivations.contains(node.opType), let input = node.inputs.first ?? nil,
            let output = node.outputs.first ?? nil, input.uses.count == 1, !input.isGraphOutput,
            input.producer != nil
        {
            rangeSource[ObjectIdentifier(input)] = output
        }
        if placement.sharesInputParameters {
            guard let input = node.inputs.first ?? nil, activationIndex[ObjectIdentifier(input)] != nil else {
                for output in floatOutputs(node) { skip(output, "\(rule): its input is not quantized") }
                return
            }
            for output in floatOutputs(node) {
                markOutput(output, rule: "\(rule): output shares its input's parameters", source: .sameAs(input))
            }
            quantizedNodes.insert(ObjectIdentifier(node))
            return
        }
        let indices = placement.inputs ?? Array(node.inputs.indices)
        for index in indices where index < node.inputs.count {
            guard let value = node.inputs[index], isFloat(value) else { continue }
            if let tensor = ConstantData.tensor(of: value) {
                if index == placement.weightInput, let layoutRule = placement.weightLayout {
                    try planWeight(value, tensor: tensor, node: node, index: index, layoutRule: layoutRule, rule: rule)
                } else if target.dequantizesForAllConsumers {
                    try planConstantActivation(value, tensor: tensor, node: node, index: index, rule: rule)
                } else {
                    skip(value, "\(rule): constant input \(index) stays float")
                }
            } else {
                markUse(value, node: node, index: index, rule: "\(rule): input \(index)")
            }
        }
        quantizedNodes.insert(ObjectIdentifier(node))
        if target.quantizesBiasToInt32, let biasIndex = placement.biasInput {
            planBias(node: node, biasIndex: biasIndex, weightIndex: placement.weightInput, rule: rule)
        }
        if placement.quantizeOutputs {
            for output in floatOutputs(node) { markOutput(output, rule: "\(rule): output", source: .range) }
        }
    }

    /// A pooling op runs in int8 for TensorRT only if its input is already int8: the engine fuses a
    /// QuantizeLinear into the producing kernel only when nothing reads the float tensor (TensorRT's Q/DQ
    /// placement guide: a float consumer keeps the producer's output in float). So an input that another op
    /// reads in float, and that no other op quantizes, stays float here too; one another op quantizes is
    /// shared, which costs nothing more.
    private mutating func visitUnsharedInputs(_ node: Node, deferred: Set<ObjectIdentifier>) {
        guard let placement = target.placements[node.opType] else { return }
        let rule = "\(target.name): \(node.opType) '\(node.displayName)'"
        let indices = placement.inputs ?? Array(node.inputs.indices)
        for index in indices where index < node.inputs.count {
            guard let value = node.inputs[index], isFloat(value) else { continue }
            if isConstant(value) {
                skip(value, "\(rule): constant input \(index) stays float")
                continue
            }
            if activationIndex[ObjectIdentifier(value)] == nil {
                if value.isGraphOutput {
                    skip(value, "\(rule): input \(index) is a graph output, read in float")
                    continue
                }
                if let reader = value.uses.first(where: {
                    $0.node !== node && !deferred.contains(ObjectIdentifier($0.node))
                }) {
                    skip(
                        value,
                        "\(rule): input \(index) is also read in float by \(reader.node.opType) "
                            + "'\(reader.node.displayName)' and quantized by nothing else")
                    continue
                }
            }
            markUse(value, node: node, index: index, rule: "\(rule): input \(index)")
        }
        quantizedNodes.insert(ObjectIdentifier(node))
    }

    /// TensorRT fuses `Add(conv(x), skip)` into the convolution when `skip` is quantized: quantize the side
    /// that is not the output of a quantized convolution (with two, the one produced earlier).
    private mutating func planResidualAdd(_ node: Node) {
        let rule = "\(target.name): residual Add '\(node.displayName)'"
        guard node.inputs.count == 2, let left = node.inputs[0], let right = node.inputs[1], isFloat(left),
            isFloat(right), !isConstant(left), !isConstant(right)
        else { return }
        let leftConv = isQuantizedConvolutionOutput(left)
        let rightConv = isQuantizedConvolutionOutput(right)
        let side: Int
        switch (leftConv, rightConv) {
        case (true, false): side = 1
        case (false, true): side = 0
        case (true, true):
            // A side defined around the node's body (a capture) comes before everything in it.
            let leftPosition = left.producer.flatMap { node.graph?.index(of: $0) } ?? -1
            let rightPosition = right.producer.flatMap { node.graph?.index(of: $0) } ?? -1
            side = leftPosition <= rightPosition ? 0 : 1
        case (false, false):
            skip(left, "\(rule): neither side is the output of a quantized convolution")
            skip(right, "\(rule): neither side is the output of a quantized convolution")
            return
        }
        guard let value = node.inputs[side] else { return }
        markUse(value, node: node, index: side, rule: "\(rule): input \(side), the side that is not the convolution")
        quantizedNodes.insert(ObjectIdentifier(node))
    }

    private func isQuantizedConvolutionOutput(_ value: Value) -> Bool {
        guard let producer = value.producer, ["Conv", "ConvTranspose"].contains(producer.opType) else { return false }
        return quantizedNodes.contains(ObjectIdentifier(producer)) && value.uses.count == 1
    }

    /// Why `node` stays float because an earlier pass listed it (`split-outlier-channels`' exact side), or nil.
    private func floatNodeReason(_ node: Node) -> String? {
        guard let name = node.name, floatNodes.contains(name) else { return nil }
        return "\(target.name): \(node.opType) '\(name)' computes outlier channels in float "
            + "(\(SplitOutlierChannelsPass.argument))"
    }

    /// TensorRT keeps GEMV-shaped MatMuls and very small convolutions in float: int8 does not pay there.
    private func heuristicReason(_ node: Node) -> String? {
        let rule = "\(target.name): \(node.opType) '\(node.displayName)'"
        let analysis = node.graph.flatMap { analyses[ObjectIdentifier($0)] }
        if analysis?.statistics.contains(node) == true {
            return "\(rule): computes a normalization statistic (mean, variance, deviation), which stays float"
        }
        if !settings.quantizesCausalAttention, analysis?.attention.contains(node) == true {
            return "\(rule): a product of a causal (decoder) self-attention, which stays float "
                + "(causal-attention=quantize to quantize it)"
        }
        if target.keepsMatrixVectorProductsInFloat, node.opType == "MatMul", let left = node.inputs.first ?? nil,
            let sizes = left.shape?.staticSizes, sizes.dropLast().reduce(1, *) == 1
        {
            return "\(rule): matrix-vector product (left operand \(sizes)) stays float"
        }
        if target.smallConvolutionWork > 0, ["Conv", "ConvTranspose"].contains(node.opType),
            node.inputs.count > 1, let weight = node.inputs[1], let dims = ConstantData.tensor(of: weight)?.dims,
            dims.reduce(1, *) < Int64(target.smallConvolutionWork)
        {
            return "\(rule): convolution too small for int8 (weight \(dims), below \(target.smallConvolutionWork))"
        }
        return nil
    }

    private mutating func planWeight(
        _ value: Value, tensor: Tensor, node: Node, index: Int, layoutRule: WeightLayoutRule, rule: String
    ) throws {
        let entry = settings.config.tensors[key(value)]
        if entry?.quantize == false { return skip(value, "quantization config: quantize false") }
        if settings.keepsWeightsFloat, entry?.format == nil {
            return skip(value, "\(rule): weight input \(index) stays float (weights=none)")
        }
        let format = entry?.format ?? settings.weightFormat
        let rank = tensor.dims.count
        var granularity: QuantGranularity
        if let layout = try? layoutRule.layout(for: node, weightRank: rank) {
            if let blockSize = settings.blockSize {
                granularity = layout.perBlock(blockSize: blockSize)
            } else {
                granularity = settings.perChannel ? layout.perChannel : .perTensor
            }
        } else {
            granularity = .perTensor
        }
        var weightRule = "\(rule): weight input \(index)"
        if node.opType == "MatMul", rank > 2, case .perChannel = granularity {
            // ONNX Runtime fuses DequantizeLinear → MatMul into MatMulIntegerToFloat, which takes one scale per
            // column only for a 2-D B; a 1-D per-axis scale on a [..., K, N] constant (attention memory
            // baked into a decoder) fails at inference. Such an operand is one tensor, not a layer's weight.
            granularity = .perTensor
            weightRule += " (a constant of rank \(rank), not a 2-D weight: per tensor)"
        }
        let perChannel = granularity != .perTensor
        var reduceRange = settings.reduceRange && format.bitWidth == 8 && !format.isFloat8
        if reduceRange && Self.isDepthwiseConvolution(node, weightDims: tensor.dims) {
            reduceRange = false
            weightRule += " (depthwise: full 8-bit range, ONNX Runtime's depthwise kernels widen before multiplying)"
        }
        try addWeight(
            value, tensor: tensor,
            scheme: target.weightScheme(format: format, perChannel: perChannel, reduceRange: reduceRange),
            granularity: granularity, use: (node, index), rule: weightRule)
    }

    /// Whether `node` is a Conv with one input and one output channel per group: ONNX Runtime runs it in its
    /// depthwise kernels (`MlasConvDepthwise`, `MlasConvSymDepthwiseKernelAvx2`), which widen 8-bit values to
    /// 32 bits before multiplying, so the 16-bit saturation that the reduced weight range avoids in its
    /// u8s8 GEMM kernels (`vpmaddubsw`) cannot happen there.
    static func isDepthwiseConvolution(_ node: Node, weightDims: [Int64]) -> Bool {
        guard node.opType == "Conv", weightDims.count >= 3, weightDims[1] == 1 else { return false }
        let group = node.attribute("group")?.int ?? 1
        return group > 1 && weightDims[0] == group
    }

    /// A constant float operand of an op whose inputs are quantized as activations (ONNX Runtime quantizes it
    /// with the activation format, per tensor, as a quantized initializer).
    private mutating func planConstantActivation(
        _ value: Value, tensor: Tensor, node: Node, index: Int, rule: String
    ) throws {
        let entry = settings.config.tensors[key(value)]
        if entry?.quantize == false { return skip(value, "quantization config: quantize false") }
        let format = entry?.format ?? settings.activationFormat
        let scheme = target.activationScheme(format: format, symmetric: settings.symmetricActivations)
        try addWeight(
            value, tensor: tensor, scheme: scheme, granularity: .perTensor, use: (node, index),
            rule: "\(rule): constant input \(index)")
    }

    private mutating func addWeight(
        _ value: Value, tensor: Tensor, scheme: QuantScheme, granularity: QuantGranularity, use: (Node, Int),
        rule: String
    ) throws {
        var scheme = scheme
        var granularity = granularity
        let kept = try keptForeignParameters(of: value, shape: tensor.dims.map(Int.init), requested: scheme.format)
        if let kept {
            scheme = QuantScheme(format: kept.params.format, symmetric: kept.params.zeroPointsAreZero)
            granularity = kept.params.granularity
        }
        let key = WeightKey(value: ObjectIdentifier(value), scheme: scheme, granularity: granularity)
        if let existing = weightIndex[key] {
            weights[existing].uses.append(use)
            return
        }
        weightIndex[key] = weights.count
        weights.append(
            WeightMark(
                value: value, tensor: tensor, scheme: scheme, granularity: granularity, uses: [use], rule: rule,
                params: kept?.params, keptFrom: kept?.node))
    }

    private mutating func planBias(node: Node, biasIndex: Int, weightIndex weightInput: Int?, rule: String) {
        guard biasIndex < node.inputs.count, let bias = node.inputs[biasIndex],
            let tensor = ConstantData.tensor(of: bias),
            tensor.dataType == .float
        else { return }
        let reason = "\(rule): bias stays float"
        guard tensor.dims.count == 1, settings.config.tensors[key(bias)]?.quantize != false
        else { return skip(bias, reason) }
        guard let input = node.inputs.first ?? nil, activationIndex[ObjectIdentifier(input)] != nil,
            let weightInput, weightInput < node.inputs.count, let weight = node.inputs[weightInput],
            let weightMark = weights.lastIndex(where: { mark in
                mark.value === weight && mark.uses.contains { $0.node === node }
            })
        else { return skip(bias, "\(reason) (input or weight not quantized)") }
        let mark = weights[weightMark]
        guard mark.granularity.blockSize == nil, !mark.scheme.format.isFloat8, !settings.activationFormat.isFloat8
        else { return skip(bias, "\(reason) (int32 bias needs integer per-tensor or per-channel weights)") }
        if case .perChannel(let axis) = mark.granularity, axis < mark.tensor.dims.count {
            let channels = Int(mark.tensor.dims[axis])
            guard channels > 0, Int(tensor.dims[0]) % channels == 0 else {
                return skip(bias, "\(reason) (bias length does not match the weight's channels)")
            }
        }
        biases.append(
            BiasMark(value: bias, tensor: tensor, node: node, index: biasIndex, input: input, weight: weightMark))
    }

    // MARK: - Marks

    private mutating func markUse(_ value: Value, node: Node, index: Int, rule: String) {
        if settings.config.tensors[key(value)]?.quantize == false {
            return skip(value, "quantization config: quantize false")
        }
        if activationIndex[ObjectIdentifier(value)] == nil, let reason = unquantizableRange(value) {
            return skip(value, reason)
        }
        if let existing = activationIndex[ObjectIdentifier(value)] {
            activations[existing].uses.append((node, index))
            return
        }
        activationIndex[ObjectIdentifier(value)] = activations.count
        activations.append(
            ActivationMark(
                value: value, uses: [(node, index)], allUses: target.dequantizesForAllConsumers, rule: rule,
                source: .range, params: nil))
    }

    private mutating func markOutput(_ value: Value, rule: String, source: ActivationMark.Source) {
        if settings.config.tensors[key(value)]?.quantize == false {
            return skip(value, "quantization config: quantize false")
        }
        if value.isGraphOutput && !target.quantizesGraphOutputs {
            return skip(value, "\(target.name): no pair on a graph output")
        }
        if case .range = source, activationIndex[ObjectIdentifier(value)] == nil,
            let reason = unquantizableRange(value)
        {
            return skip(value, reason)
        }
        if let existing = activationIndex[ObjectIdentifier(value)] {
            activations[existing].allUses = true
            return
        }
        activationIndex[ObjectIdentifier(value)] = activations.count
        activations.append(
            ActivationMark(value: value, uses: [], allUses: true, rule: rule, source: source, params: nil))
    }

    /// Calibrated magnitudes beyond this are sentinels (an additive attention mask of float32's lowest value),
    /// not data: any scale covering them maps every ordinary value to the zero point.
    static let largestQuantizableMagnitude: Float = 1e30

    /// A Softmax input whose calibrated minimum lies below this holds an additive mask (`-1e9`, `-10000`, float16's
    /// lowest): its entries vanish in the softmax, and a scale covering them leaves the real scores one or two
    /// codes (the whisper decoder's W8A8 perplexity went from 118 to 30,000).
    static let softmaxMaskThreshold: Float = -1e3

    /// Why `value`'s calibrated range cannot be quantized per tensor, or nil (config overrides always can).
    private func unquantizableRange(_ value: Value) -> String? {
        let entry = settings.config.tensors[key(value)]
        if foreign[key(value)] != nil, entry == nil { return nil }
        let narrowed = rangeSource[ObjectIdentifier(value)]
        if let table, entry?.range == nil, entry?.scale == nil, ScopedValueNames.isBodyValueName(key(value)),
            table.tensors[key(value)] == nil, narrowed.flatMap({ table.tensors[key($0)] }) == nil,
            value.producer.flatMap({ target.fixedOutputRanges[$0.opType] }) == nil
        {
            return "never ran on a calibration sample (an If branch no sample took, or a loop that never "
                + "iterated): no range, left float"
        }
        guard entry?.range == nil, entry?.scale == nil, let range = table?.tensors[key(value)]?.range else {
            return nil
        }
        if range.absMax > Self.largestQuantizableMagnitude {
            return "calibrated range [\(range.min), \(range.max)] holds sentinel values (beyond 1e30): left float"
        }
        if range.min < Self.softmaxMaskThreshold, value.uses.contains(where: { $0.node.opType == "Softmax" }) {
            return "calibrated range [\(range.min), \(range.max)] of a Softmax input reaches below -1000, an additive "
                + "mask whose entries vanish in the softmax: left float"
        }
        return nil
    }

    private mutating func skip(_ value: Value, _ rule: String) {
        let name = key(value)
        guard skippedNames.insert(name).inserted else { return }
        skipped.append((name, rule))
    }

    private mutating func join(_ values: [Value]) {
        guard !values.isEmpty else { return }
        var members: [Value] = []
        var seen = Set<ObjectIdentifier>()
        for value in values {
            if let group = groupOf[ObjectIdentifier(value)] {
                for member in groups[group] where seen.insert(ObjectIdentifier(member)).inserted {
                    members.append(member)
                }
                groups[group] = []
            } else if seen.insert(ObjectIdentifier(value)).inserted {
                members.append(value)
            }
        }
        let group = groups.count
        groups.append(members)
        for member in members { groupOf[ObjectIdentifier(member)] = group }
    }

    private func floatOutputs(_ node: Node) -> [Value] {
        node.outputs.compactMap { $0 }.filter { isFloat($0) }
    }

    private func isFloat(_ value: Value) -> Bool {
        if let type = value.elementType { return type == .float }
        // A Constant node's output carries no type until shapes are inferred; its tensor says.
        if let tensor = ConstantData.tensor(of: value) { return tensor.dataType == .float }
        // A pair the model held quantized a float tensor, as a calibrated range shows one.
        return table?.tensors[key(value)] != nil || foreign[key(value)] != nil
    }

    private func isConstant(_ value: Value) -> Bool { ConstantData.tensor(of: value) != nil }

    // MARK: - Parameters

    private mutating func resolveActivations() throws {
        for index in activations.indices where activations[index].params == nil {
            activations[index].params = try parameters(of: index, depth: 0)
        }
    }

    private mutating func parameters(of index: Int, depth: Int) throws -> QuantParams {
        if let params = activations[index].params { return params }
        let mark = activations[index]
        let name = key(mark.value)
        let entry = settings.config.tensors[name]
        if entry == nil,
            let kept = try keptForeignParameters(of: mark.value, shape: [], requested: settings.activationFormat),
            let params = kept.params.params(at: 0)
        {
            activations[index].params = params
            activations[index].keptFrom = kept.node
            return params
        }
        if case .sameAs(let source) = mark.source, entry?.scale == nil, entry?.range == nil,
            let sourceIndex = activationIndex[ObjectIdentifier(source)], depth < activations.count
        {
            let params = try parameters(of: sourceIndex, depth: depth + 1)
            activations[index].params = params
            return params
        }
        let format = entry?.format ?? settings.activationFormat
        let symmetric = (entry?.symmetric ?? settings.symmetricActivations) || format.isFloat8
        let params: QuantParams
        do {
            if let scale = entry?.scale {
                params = try QuantParams(
                    format: format, scale: scale,
                    zeroPoint: entry?.zeroPoint ?? Self.defaultZeroPoint(format, symmetric: symmetric), tensor: name)
            } else {
                let range = try entry?.range ?? groupRange(of: mark.value) ?? range(of: mark.value)
                let scheme = target.activationScheme(format: format, symmetric: symmetric)
                params = try scheme.params(rmin: range.min, rmax: range.max, tensor: name)
            }
        } catch let error as QuantizationError {
            throw InsertQDQError("insert-qdq: \(error)")
        }
        activations[index].params = params
        return params
    }

    private static func defaultZeroPoint(_ format: QuantFormat, symmetric: Bool) -> Int {
        guard let range = format.integerRange(), !format.isSigned, symmetric else { return 0 }
        return (range.lowerBound + range.upperBound + 1) / 2
    }

    /// The calibrated range of `value`: fixed by its producer, narrowed to a following Relu/Clip, or from the table.
    func range(of value: Value) throws -> CalibrationRange {
        if let producer = value.producer, let fixed = target.fixedOutputRanges[producer.opType] { return fixed }
        if let narrowed = rangeSource[ObjectIdentifier(value)], let range = table?.tensors[key(narrowed)]?.range {
            return range
        }
        guard let table else {
            throw InsertQDQError(
                "insert-qdq: no calibration ranges for tensor '\(key(value))': run 'calibrate' first "
                    + "(qdqc needs --calib-data or --calib-random) or name a table with insert-qdq{table=FILE}")
        }
        guard let calibration = table.tensors[key(value)] else {
            throw InsertQDQError(
                "insert-qdq: the calibration table has no range for tensor '\(key(value))' "
                    + "(was it calibrated on this model, before the graph changed?)")
        }
        return calibration.range
    }

    private func groupRange(of value: Value) throws -> CalibrationRange? {
        guard let group = groupOf[ObjectIdentifier(value)], groups[group].count > 1 else { return nil }
        var low = Float.infinity
        var high = -Float.infinity
        for member in groups[group] {
            let range = try range(of: member)
            low = min(low, range.min)
            high = max(high, range.max)
        }
        return CalibrationRange(min: low, max: high)
    }

    private mutating func resolveWeightsAndBiases() throws {
        do {
            for index in weights.indices where weights[index].params == nil {
                var tensor = weights[index].tensor
                tensor.name = weights[index].value.name
                weights[index].params = try WeightQuantizer.parameters(
                    for: tensor, scheme: weights[index].scheme, granularity: weights[index].granularity)
            }
            guard target.raisesWeightScalesForBias else { return }
            // The model's own weight scales are kept as they are, even where an int32 bias then clips.
            for bias in biases where weights[bias.weight].keptFrom == nil {
                guard let inputScale = activationParams(bias.input)?.scale, let params = weights[bias.weight].params,
                    let values = ConstantData.floats(bias.tensor)
                else { continue }
                let raised = try BiasQuantizer.weightScalesAdjustedForInt32Bias(
                    inputScale: inputScale, weightScales: params.scales, bias: values, tensor: bias.value.name)
                if raised != params.scales {
                    weights[bias.weight].params = try params.replacingScales(
                        raised, tensor: weights[bias.weight].value.name)
                }
            }
        } catch let error as QuantizationError {
            throw InsertQDQError("insert-qdq: \(error)")
        }
    }

    /// The input model's parameters for `value` (`import-qdq`) when the target can use them as they are, moved to
    /// the float8 format asked for when the model's are integer (`ForeignFormatChange`); a set the target cannot
    /// use is noted in `rejectedForeign` and the tensor is calibrated instead.
    private mutating func keptForeignParameters(of value: Value, shape: [Int], requested: QuantFormat) throws
        -> ForeignQuantization.Entry?
    {
        guard var entry = foreign[key(value)] else { return nil }
        let reason: String?
        if entry.params.tensorShape != shape {
            reason = "its parameters are for shape \(entry.params.tensorShape), the tensor now has \(shape)"
        } else if requested.isFloat8, !entry.params.format.isFloat {
            if let done = formatChange(of: key(value)) {
                entry.params = done.to
                return entry
            }
            let change = try ForeignFormatChange.converting(
                entry.params, to: requested, tensor: key(value), node: entry.node)
            formatChanges.append(change)
            entry.params = change.to
            return entry
        } else if target.scaleConvention == .tensorRT,
            !entry.params.zeroPointsAreZero
                || !entry.params.format.isSigned
                    && !entry.params.format.isFloat
        {
            reason =
                "\(target.name) takes only symmetric signed pairs (zero point 0), the model's is "
                + "\(entry.params.format) with zero point \(entry.params.zeroPoints.first ?? 0)"
        } else {
            reason = nil
        }
        guard let reason else { return entry }
        if !rejectedForeign.contains(where: { $0.tensor == value.name }) {
            rejectedForeign.append(
                (value.name, "the model's pair '\(entry.node)' is replaced by calibration: \(reason)"))
        }
        return nil
    }

    /// The float8 change of `tensor` (scoped name), if its pair was moved.
    func formatChange(of tensor: String) -> ForeignFormatChange? {
        formatChanges.first { $0.tensor == tensor }
    }

    /// Replaces the changes by their measured form (same tensors).
    mutating func setFormatChanges(_ changes: [ForeignFormatChange]) { formatChanges = changes }

    /// The tensors that got a pair or a quantized initializer, by name.
    var plannedTensorNames: Set<String> {
        Set(activations.map { key($0.value) } + weights.map { key($0.value) })
    }

    /// The resolved parameters of an activation, if it is marked.
    func activationParams(_ value: Value) -> QuantParams? {
        activationIndex[ObjectIdentifier(value)].flatMap { activations[$0].params }
    }
}

import OnnxIR

/// Applies one activation's smoothing factors to the graph: weight rows times `s`, `1/s` folded
/// into the producers when they can take it, else into an inserted Mul.
struct Smoother {
    /// The graph being rewritten.
    let graph: Graph
    /// The model's default-domain opset.
    let opset: Int64?

    /// What applying did: where `1/s` went, why not into a producer, how the activation's other
    /// readers keep the unscaled value.
    struct Outcome {
        /// Where `1/s` went.
        let folding: SmoothingRecord.Folding
        /// Why no producer took it (for `.insertedMul`).
        let refusal: SmoothingRefusal?
        /// Readers of the activation besides the layers that now read it through a restoring Mul.
        var restoredReaders = 0
        /// Nodes copied so that the layers read a smoothed copy of the producer and every other reader
        /// keeps the original (0 when nothing was copied).
        var copiedNodes = 0
        /// Whether the factors crossed a Reshape, a Transpose or a MatMul of two activations.
        var crossedLayout = false
        /// Whether a bool-to-float Cast became a Where holding the factors.
        var castToWhere = false
        /// Values that keep their name but now hold the float model's values divided by `s` (the activation
        /// and what its producers compute on the way), so that no comparison reads them as error.
        var rescaledValues: [String] = []
    }

    /// The channels of `group`'s activation that must share one factor for `1/s` to reach a producer: those
    /// an `Expand` on the way copies from one value (grouped-query attention's key/value heads). Empty when
    /// nothing ties them.
    func channelTies(for group: SmoothingGroup) -> [[Int]] {
        let channels = (0..<group.channels).map(Float.init)
        let field = FactorField(channel: channels, reciprocals: channels, axisFromEnd: group.axisFromEnd)
        guard
            case .failure(let refusal) = ScaleAbsorber(graph: graph, opset: opset).plan(group.activation, field: field)
        else { return [] }
        return refusal.ties
    }

    /// Rewrites the graph for `group` with factors `scales`; throws only on an IR inconsistency.
    func apply(_ group: SmoothingGroup, scales: [Float]) throws -> Outcome? {
        let inverse = scales.map { 1 / $0 }
        var weightSteps: [ConstantRescale] = []
        for target in group.targets {
            guard let weight = target.weight, let tensor = ConstantData.tensor(of: weight),
                let scaled = ChannelScaling.scaled(tensor, axisFromEnd: target.weightAxisFromEnd, by: scales),
                scaled.dims == tensor.dims
            else { return nil }
            weightSteps.append(ConstantRescale(node: target.node, input: 1, tensor: scaled))
        }
        let activation = group.activation
        let targetNodes = Set(group.targets.map { ObjectIdentifier($0.node) })
        let otherReaders = activation.uses.filter {
            !targetNodes.contains(ObjectIdentifier($0.node)) || $0.inputIndex != 0
        }
        let isOutput = activation.isAnyGraphOutput
        let field = FactorField(channel: inverse, reciprocals: scales, axisFromEnd: group.axisFromEnd)
        var plan = ScaleAbsorber(graph: graph, opset: opset).plan(activation, field: field)
        if isOutput, case .success(let planned) = plan, !planned.isCheapToCopy {
            plan = .failure(SmoothingRefusal("'\(activation.name)' is a graph output"))
        }
        var outcome: Outcome
        switch plan {
        case .success(let planned):
            outcome = Outcome(
                folding: planned.folding, refusal: nil, crossedLayout: planned.crossesLayout,
                castToWhere: planned.turnsCastIntoWhere)
            let rescaled = planned.path.compactMap { $0.outputs.first??.name }
            if otherReaders.isEmpty && !isOutput {
                for step in planned.steps { try step.apply(in: graph) }
                outcome.rescaledValues = rescaled
            } else if planned.isCheapToCopy {
                // The layers read a copy of the producer holding 1/s; everything else keeps the original,
                // so no Mul is needed on either side.
                let smoothed = try copy(planned)
                for target in group.targets { target.node.setInput(0, smoothed) }
                outcome.copiedNodes = planned.path.count
            } else if let producer = activation.producer {
                for step in planned.steps { try step.apply(in: graph) }
                let restored = try insertMul(
                    reading: activation, by: scales, suffix: "unsmoothed", in: group
                ) { try graph.insert($0, after: producer) }
                for use in otherReaders { use.node.setInput(use.inputIndex, restored) }
                outcome.restoredReaders = otherReaders.count
                outcome.rescaledValues = rescaled
            }
        case .failure(let refusal):
            guard let first = group.targets.first?.node else { return nil }
            let smoothed = try insertMul(
                reading: activation, by: inverse, suffix: "smoothed", in: group
            ) { try graph.insert($0, before: first) }
            for target in group.targets { target.node.setInput(0, smoothed) }
            outcome = Outcome(folding: .insertedMul, refusal: refusal)
        }
        for step in weightSteps { try step.apply(in: graph) }
        return outcome
    }

    /// Copies the nodes of `plan`'s path (each copy right after its original, reading the copy of the
    /// next one), applies the plan's edits to the copies and returns the copy of the activation.
    private func copy(_ plan: AbsorptionPlan) throws -> Value {
        var copies: [ObjectIdentifier: Node] = [:]
        for node in plan.path.reversed() {
            guard let output = node.outputs.first ?? nil else {
                throw SmoothQuantError.inconsistentGraph(node: node.displayName)
            }
            let inputs = node.inputs.map { input -> Value? in
                guard let input, let producer = input.producer, let copy = copies[ObjectIdentifier(producer)] else {
                    return input
                }
                return copy.outputs.first ?? nil
            }
            let copy = Node(
                opType: node.opType, domain: node.domainField, name: node.name.map { uniqueNodeName($0 + "_smoothed") },
                inputs: inputs, outputNames: [graph.uniqueName(output.name + "_smoothed")],
                attributes: node.attributes)
            copy.outputs.first??.type = output.type
            try graph.insert(copy, after: node)
            copies[ObjectIdentifier(node)] = copy
        }
        for step in plan.steps {
            guard let copy = copies[ObjectIdentifier(step.node)] else {
                throw SmoothQuantError.inconsistentGraph(node: step.node.displayName)
            }
            try step.on(copy).apply(in: graph)
        }
        guard let first = plan.path.first, let output = copies[ObjectIdentifier(first)]?.outputs.first ?? nil else {
            throw SmoothQuantError.inconsistentGraph(node: plan.path.first?.displayName ?? "?")
        }
        return output
    }

    /// A node name based on `base` that no node or value of the graph has.
    private func uniqueNodeName(_ base: String) -> String {
        var name = graph.uniqueName(base)
        var counter = 1
        while graph.node(named: name) != nil {
            name = graph.uniqueName("\(base)_\(counter)")
            counter += 1
        }
        return name
    }

    /// Inserts `Mul(activation, factors)` (factors shaped to broadcast on the channel axis) with `place`.
    private func insertMul(
        reading activation: Value, by factors: [Float], suffix: String, in group: SmoothingGroup,
        place: (Node) throws -> Void
    ) throws -> Value {
        guard
            let constant = ChannelScaling.scaled(
                Tensor.floats([1], dims: []), axisFromEnd: group.axisFromEnd, by: factors)
        else { throw SmoothQuantError.channelMismatch(tensor: activation.name, expected: group.channels, observed: 0) }
        let constantName = graph.uniqueName(activation.name + "_" + suffix + "_factors")
        var named = constant
        named.name = constantName
        let factorsValue = graph.addInitializer(named, name: constantName)
        let node = Node(
            opType: "Mul", name: graph.uniqueName(activation.name + "_" + suffix + "_mul"),
            inputs: [activation, factorsValue], outputNames: [graph.uniqueName(activation.name + "_" + suffix)])
        try place(node)
        guard let output = node.outputs.first ?? nil else {
            throw SmoothQuantError.channelMismatch(tensor: activation.name, expected: group.channels, observed: 0)
        }
        output.type = activation.type
        return output
    }
}

import OnnxIR

/// Applies one activation's smoothing factors to the graph: weight rows times `s`, `1/s` folded
/// into the producers when they can take it, else into an inserted Mul.
struct Smoother {
    /// The graph being rewritten.
    let graph: Graph

    /// What applying did: where `1/s` went, why not into a producer, how many readers got the
    /// unscaled value back through a Mul.
    struct Outcome {
        /// Where `1/s` went.
        let folding: SmoothingRecord.Folding
        /// Why no producer took it (for `.insertedMul`).
        let refusal: SmoothingRefusal?
        /// Readers of the activation besides the layers that now read it through a restoring Mul.
        let restoredReaders: Int
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
        let absorber = ScaleAbsorber(graph: graph, axisFromEnd: group.axisFromEnd, scales: scales, inverse: inverse)
        let outcome: Outcome
        let plan: Result<([ConstantRescale], SmoothingRecord.Folding), SmoothingRefusal>
        if activation.isGraphOutput || GraphSurgery.isNeededBesidesUses(activation, in: graph) {
            plan = .failure(SmoothingRefusal("'\(activation.name)' is a graph output"))
        } else {
            plan = absorber.plan(activation)
        }
        switch plan {
        case .success(let (steps, folding)):
            for step in steps { try step.apply(in: graph) }
            if !otherReaders.isEmpty, let producer = activation.producer {
                let restored = try insertMul(
                    reading: activation, by: scales, suffix: "unsmoothed", in: group
                ) { try graph.insert($0, after: producer) }
                for use in otherReaders { use.node.setInput(use.inputIndex, restored) }
            }
            outcome = Outcome(folding: folding, refusal: nil, restoredReaders: otherReaders.count)
        case .failure(let refusal):
            guard let first = group.targets.first?.node else { return nil }
            let smoothed = try insertMul(
                reading: activation, by: inverse, suffix: "smoothed", in: group
            ) { try graph.insert($0, before: first) }
            for target in group.targets { target.node.setInput(0, smoothed) }
            outcome = Outcome(folding: .insertedMul, refusal: refusal, restoredReaders: 0)
        }
        for step in weightSteps { try step.apply(in: graph) }
        return outcome
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

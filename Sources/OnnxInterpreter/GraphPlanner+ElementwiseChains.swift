import OnnxIR

extension GraphPlanner {
    /// The schedule with runs of consecutive elementwise steps fused (`ElementwiseChain`), or nil when
    /// there is none; used for runs without an observer.
    ///
    /// A step joins the chain of the step before it when it consumes that step's only output, which
    /// nothing else uses (no other node, subgraph or graph output). Keeping the chain to consecutive
    /// steps keeps every other value's lifetime as the schedule has it.
    func fusingElementwiseChains(
        _ steps: [PlanStep], useCounts: [Int: Int], kept: Set<Int>, mappedSlots: Set<Int>, depth: Int,
        visible: Set<ObjectIdentifier>
    ) -> [PlanStep]? {
        let candidates: [ChainCandidate?] = steps.map { step in
            let slots = step.inputSlots.compactMap { $0 }
            guard step.node.subgraphs.isEmpty, step.outputSlots.count == 1, step.outputSlots[0] != nil,
                !slots.contains(where: mappedSlots.contains)
            else { return nil }
            return chainCandidate(step.node, depth: depth, visible: visible)
        }
        var fused: [PlanStep] = []
        var found = false
        var index = 0
        while index < steps.count {
            let end = candidates[index] == nil ? index : Self.chainEnd(from: index, steps, candidates, useCounts, kept)
            if end == index {
                fused.append(steps[index])
                index += 1
                continue
            }
            found = true
            fused.append(Self.fusedStep(steps[index...end], candidates[index...end].compactMap { $0 }))
            index = end + 1
        }
        return found ? fused : nil
    }

    /// The last step of the chain starting at `start`: each later step reads an earlier member's
    /// result, and every member but the last is used only by later members (not by other nodes,
    /// subgraphs or as a graph output).
    private static func chainEnd(
        from start: Int, _ steps: [PlanStep], _ candidates: [ChainCandidate?], _ useCounts: [Int: Int],
        _ kept: Set<Int>
    ) -> Int {
        var produced: Set<Int> = [steps[start].outputSlots[0]!]
        var end = start
        while end + 1 < steps.count, let next = candidates[end + 1] {
            let step = steps[end + 1]
            let reads = step.inputSlots.indices.filter { step.inputSlots[$0].map(produced.contains) ?? false }
            guard !reads.isEmpty, reads.allSatisfy(next.chainInputs.contains) else { break }
            produced.insert(step.outputSlots[0]!)
            end += 1
        }
        // Cut the chain before any member whose result is needed outside it, until none is.
        while end > start {
            var inside: [Int: Int] = [:]
            for step in steps[start...end] {
                for case let slot? in step.inputSlots { inside[slot, default: 0] += 1 }
            }
            let escaping = (start..<end).first { member in
                let slot = steps[member].outputSlots[0]!
                return kept.contains(slot) || inside[slot, default: 0] != useCounts[slot, default: 0]
            }
            guard let escaping else { break }
            end = escaping
        }
        return end
    }

    /// A node's chain computation with its operands named by node input position, or nil when it cannot join a chain.
    struct ChainCandidate {
        /// Builds the operation once the operands' places are known.
        let make: (_ operand: (Int) -> ElementwiseChain.Operand) -> ElementwiseChain.Operation
        /// Node inputs that may read an earlier member's result.
        let chainInputs: [Int]
    }

    private func chainCandidate(_ node: Node, depth: Int, visible: Set<ObjectIdentifier>) -> ChainCandidate? {
        guard OpsetImport.isDefaultDomain(node.domain), node.outputs.count == 1, node.outputs[0] != nil,
            let version = opsetVersions[""]
        else { return nil }
        let context = NodeContext(node: node, opsetVersion: version, planner: self, depth: depth, visible: visible)
        let binary: [String: ArithmeticKernels.Operation] = [
            "Add": .add, "Sub": .subtract, "Mul": .multiply, "Div": .divide,
        ]
        if let operation = binary[node.opType] {
            guard node.inputs.count == 2, node.inputs.allSatisfy({ $0 != nil }) else { return nil }
            return ChainCandidate(
                make: { .binary(operation, left: $0(0), right: $0(1)) }, chainInputs: [0, 1])
        }
        guard node.inputs.first != nil, node.inputs[0] != nil else { return nil }
        switch node.opType {
        case "Relu" where node.inputs.count == 1:
            return ChainCandidate(make: { .relu(source: $0(0)) }, chainInputs: [0])
        case "Identity" where node.inputs.count == 1:
            return ChainCandidate(make: { .identity(source: $0(0)) }, chainInputs: [0])
        case "Cast" where node.inputs.count == 1:
            // Only a cast to float32, which leaves the fused loop's float32 values as they are.
            guard (try? context.optionalInt("to")) == Int(DataType.float.rawValue) else { return nil }
            return ChainCandidate(make: { .identity(source: $0(0)) }, chainInputs: [0])
        case "Clip" where version >= 11 && node.inputs.count <= 3:
            let low = context.hasInput(1) ? 1 : nil
            let high = context.hasInput(2) ? 2 : nil
            return ChainCandidate(
                make: { operand in
                    func index(_ position: Int?) -> Int? {
                        guard let position, case .external(let index) = operand(position) else { return nil }
                        return index
                    }
                    return .clip(source: operand(0), low: index(low), high: index(high))
                }, chainInputs: [0])
        default:
            guard node.inputs.count == 1, let make = UnaryKernels.floatFunctions[node.opType],
                let function = try? make(context)
            else { return nil }
            return ChainCandidate(make: { .function(function, source: $0(0)) }, chainInputs: [0])
        }
    }

    /// One step running `steps` as an `ElementwiseChain`.
    private static func fusedStep(_ steps: ArraySlice<PlanStep>, _ candidates: [ChainCandidate]) -> PlanStep {
        let chainSlots = Set(steps.dropLast().compactMap { $0.outputSlots[0] })
        var externalSlots: [Int] = []
        var externalIndex: [Int: Int] = [:]
        var members: [ElementwiseChain.Member] = []
        var producer: [Int: Int] = [:]
        for (step, candidate) in zip(steps, candidates) {
            let operands = step.inputSlots.map { slot -> ElementwiseChain.Operand? in
                guard let slot else { return nil }
                if let member = producer[slot] { return .member(member) }
                if let index = externalIndex[slot] { return .external(index) }
                externalIndex[slot] = externalSlots.count
                externalSlots.append(slot)
                return .external(externalSlots.count - 1)
            }
            let operation = candidate.make { operands[$0] ?? .external(0) }
            producer[step.outputSlots[0]!] = members.count
            members.append(
                ElementwiseChain.Member(operation: operation, node: step.node, kernel: step.kernel, inputs: operands))
        }
        var moved: [Int] = []
        var released: [Int] = []
        for step in steps {
            moved += step.movedInputs.filter { !chainSlots.contains($0) && !moved.contains($0) }
            released += step.releasedAfter.filter { !chainSlots.contains($0) && !released.contains($0) }
        }
        let last = steps[steps.endIndex - 1]
        return PlanStep(
            node: last.node, kernel: ElementwiseChain(members: members).kernel(), inputSlots: externalSlots,
            outputSlots: last.outputSlots, movedInputs: moved, releasedAfter: released)
    }
}

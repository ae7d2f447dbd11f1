import OnnxIR

/// If, Loop and Scan: subgraphs planned once with the node, run in the node's scope.
enum ControlFlowKernels {
    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":If"] = ifBuilder
        table[":Loop"] = loopBuilder
        table[":Scan"] = scanBuilder
    }

    private static func ifBuilder(_ context: NodeContext) throws -> Kernel {
        let thenPlan = try context.planSubgraph("then_branch")
        let elsePlan = try context.planSubgraph("else_branch")
        let outputCount = context.outputCount
        for plan in [thenPlan, elsePlan] where plan.outputSlots.count != outputCount {
            throw KernelError.invalidAttribute(
                "a branch has \(plan.outputSlots.count) outputs, the node has \(outputCount)")
        }
        return { call in
            let condition = try call.input(0)
            guard condition.dataType == .bool, condition.count == 1 else {
                throw KernelError.invalid("cond must be one bool, not \(condition)")
            }
            let chosen = condition.pointer(UInt8.self)[0] != 0 ? thenPlan : elsePlan
            return try call.runSubgraph(chosen, arguments: [])
        }
    }

    private static func loopBuilder(_ context: NodeContext) throws -> Kernel {
        let body = try context.planSubgraph("body")
        let carried = context.inputCount - 2
        guard carried >= 0, body.inputSlots.count == carried + 2, body.outputSlots.count >= carried + 1 else {
            throw KernelError.invalidAttribute(
                "the body's inputs and outputs do not match the node's loop-carried values")
        }
        let scanCount = body.outputSlots.count - 1 - carried
        guard context.outputCount <= carried + scanCount else {
            throw KernelError.invalidAttribute("the node has more outputs than the body produces")
        }
        let scanTypes = body.graph.outputs.suffix(scanCount).map { $0.elementType ?? .float }
        let iterationLimit = context.planner.loopIterationLimit
        return { call in
            let tripLimit = try call.optionalInput(0).map { try IntegerReading.scalar(of: $0, name: call.inputName(0)) }
            var condition = try call.optionalInput(1).map { array -> Bool in
                guard array.dataType == .bool, array.count == 1 else {
                    throw KernelError.invalid("cond must be one bool")
                }
                return array.pointer(UInt8.self)[0] != 0
            }
            var values: [NDArray] = try (0..<carried).map { try call.input(2 + $0) }
            var scans = [[NDArray]](repeating: [], count: scanCount)
            var iteration = 0
            while (tripLimit.map { iteration < $0 } ?? true) && (condition ?? true) {
                if tripLimit == nil && condition == nil {
                    throw KernelError.invalid("Loop without a trip count or condition would never end")
                }
                guard iteration < iterationLimit else {
                    throw KernelError.invalid(
                        "Loop stopped after \(iteration) iterations, the interpreter's limit"
                            + (tripLimit.map { " (trip count \($0))" } ?? " (its condition never turned false)"))
                }
                let arguments: [NDArray?] =
                    [
                        try NDArray(int64s: [Int64(iteration)], shape: []),
                        try NDArray([UInt8(condition ?? true ? 1 : 0)], dataType: .bool, shape: []),
                    ] + values
                let outputs = try call.runSubgraph(body, arguments: arguments)
                if condition != nil {
                    let flag = outputs[0]
                    guard flag.dataType == .bool, flag.count == 1 else {
                        throw KernelError.invalid("the body's condition output must be one bool")
                    }
                    condition = flag.pointer(UInt8.self)[0] != 0
                }
                values = Array(outputs[1..<(1 + carried)])
                for index in 0..<scanCount { scans[index].append(outputs[1 + carried + index]) }
                iteration += 1
            }
            var results: [NDArray?] = values
            for (index, slices) in scans.enumerated() {
                results.append(try stack(slices, axis: 0, emptyType: scanTypes[index]))
            }
            return Array(results.prefix(max(call.node.outputs.count, 0)))
        }
    }

    /// Stacks equally shaped arrays along a new `axis`.
    static func stack(_ slices: [NDArray], axis: Int, emptyType: DataType) throws -> NDArray {
        guard let first = slices.first else { return try NDArray(zerosOf: emptyType, shape: [0]) }
        for slice in slices where slice.shape != first.shape || slice.dataType != first.dataType {
            throw KernelError.invalid("scan outputs change shape or type between iterations (\(first) and \(slice))")
        }
        var shape = first.shape
        shape.insert(1, at: axis)
        let joined = try MovementKernels.concat(slices.map { $0.reshaped(shape) }, axis: axis)
        return joined
    }

    private static func scanBuilder(_ context: NodeContext) throws -> Kernel {
        if context.opsetVersion < 9 { return try batchedScanBuilder(context) }
        let body = try context.planSubgraph("body")
        guard let scanInputs = try context.optionalInt("num_scan_inputs") else {
            throw KernelError.invalidAttribute("num_scan_inputs is missing")
        }
        let states = context.inputCount - scanInputs
        let scanOutputs = body.outputSlots.count - states
        guard states >= 0, scanOutputs >= 0, body.inputSlots.count == states + scanInputs else {
            throw KernelError.invalidAttribute("the body does not match the node's state and scan inputs")
        }
        let inputAxes = try context.ints("scan_input_axes") ?? [Int](repeating: 0, count: scanInputs)
        let inputDirections = try context.ints("scan_input_directions") ?? [Int](repeating: 0, count: scanInputs)
        let outputAxes = try context.ints("scan_output_axes") ?? [Int](repeating: 0, count: scanOutputs)
        let outputDirections = try context.ints("scan_output_directions") ?? [Int](repeating: 0, count: scanOutputs)
        guard inputAxes.count == scanInputs, inputDirections.count == scanInputs, outputAxes.count == scanOutputs,
            outputDirections.count == scanOutputs
        else { throw KernelError.invalidAttribute("scan axes or directions have the wrong length") }
        let scanTypes = body.graph.outputs.suffix(scanOutputs).map { $0.elementType ?? .float }
        return { call in
            var values: [NDArray] = try (0..<states).map { try call.input($0) }
            let sequences = try (0..<scanInputs).map { try call.input(states + $0) }
            var axes: [Int] = []
            var length: Int?
            for (index, sequence) in sequences.enumerated() {
                let axis = try Shapes.normalizeAxis(inputAxes[index], rank: sequence.rank)
                axes.append(axis)
                if let length, length != sequence.shape[axis] {
                    throw KernelError.invalid(
                        "scan inputs have different lengths \(length) and \(sequence.shape[axis])")
                }
                length = sequence.shape[axis]
            }
            var collected = [[NDArray]](repeating: [], count: scanOutputs)
            for step in 0..<(length ?? 0) {
                var arguments: [NDArray?] = values
                for (index, sequence) in sequences.enumerated() {
                    let position = inputDirections[index] != 0 ? (length ?? 0) - 1 - step : step
                    var shape = sequence.shape
                    shape.remove(at: axes[index])
                    let slice = try MovementKernels.slice(
                        sequence, starts: [position], ends: [position + 1], axes: [axes[index]], steps: nil)
                    arguments.append(slice.reshaped(shape))
                }
                let outputs = try call.runSubgraph(body, arguments: arguments)
                values = Array(outputs[0..<states])
                for index in 0..<scanOutputs { collected[index].append(outputs[states + index]) }
            }
            var results: [NDArray?] = values
            for index in 0..<scanOutputs {
                let slices = outputDirections[index] != 0 ? collected[index].reversed() : collected[index]
                let rank = (slices.first?.rank ?? 0) + 1
                let axis = try Shapes.normalizeAxis(outputAxes[index], rank: rank)
                results.append(try stack(Array(slices), axis: axis, emptyType: scanTypes[index]))
            }
            return results
        }
    }

    /// Scan-8: every input has a leading batch axis (scan inputs are [batch, sequence, ...]) and
    /// an optional `sequence_lens` input; each batch item is scanned on its own.
    private static func batchedScanBuilder(_ context: NodeContext) throws -> Kernel {
        let body = try context.planSubgraph("body")
        guard let scanInputs = try context.optionalInt("num_scan_inputs") else {
            throw KernelError.invalidAttribute("num_scan_inputs is missing")
        }
        let states = context.inputCount - 1 - scanInputs
        let scanOutputs = body.outputSlots.count - states
        guard states >= 0, scanOutputs >= 0, body.inputSlots.count == states + scanInputs else {
            throw KernelError.invalidAttribute("the body does not match the node's state and scan inputs")
        }
        let directions = try context.ints("directions") ?? [Int](repeating: 0, count: scanInputs)
        guard directions.count == scanInputs else {
            throw KernelError.invalidAttribute("directions has the wrong length")
        }
        return { call in
            let initial = try (0..<states).map { try call.input(1 + $0) }
            let sequences = try (0..<scanInputs).map { try call.input(1 + states + $0) }
            guard let batch = (initial + sequences).first?.shape.first else {
                throw KernelError.invalid("Scan needs at least one input with a batch axis")
            }
            let length = sequences.first.map { $0.rank > 1 ? $0.shape[1] : 0 } ?? 0
            for array in initial + sequences where array.rank < 1 || array.shape[0] != batch {
                throw KernelError.invalid("every input needs batch axis \(batch), got \(array.shape)")
            }
            for sequence in sequences where sequence.rank < 2 || sequence.shape[1] != length {
                throw KernelError.invalid("scan inputs need [batch, \(length), ...], got \(sequence.shape)")
            }
            let lengths = try call.integers(0) ?? [Int](repeating: length, count: batch)
            guard lengths.count == batch, lengths.allSatisfy({ $0 >= 0 && $0 <= length }) else {
                throw KernelError.invalid("sequence_lens \(lengths) does not fit batch \(batch) and length \(length)")
            }
            func item(_ array: NDArray, _ index: Int) throws -> NDArray {
                let slice = try MovementKernels.slice(array, starts: [index], ends: [index + 1], axes: [0], steps: nil)
                return slice.reshaped(Array(array.shape.dropFirst()))
            }
            var finalStates = [[NDArray]](repeating: [], count: states)
            var scanned = [[NDArray]](repeating: [], count: scanOutputs)
            for batchIndex in 0..<batch {
                var values = try initial.map { try item($0, batchIndex) }
                let itemSequences = try sequences.map { try item($0, batchIndex) }
                var collected = [[NDArray]](repeating: [], count: scanOutputs)
                for step in 0..<lengths[batchIndex] {
                    var arguments: [NDArray?] = values
                    for (index, sequence) in itemSequences.enumerated() {
                        let position = directions[index] != 0 ? lengths[batchIndex] - 1 - step : step
                        arguments.append(try item(sequence, position))
                    }
                    let outputs = try call.runSubgraph(body, arguments: arguments)
                    values = Array(outputs[0..<states])
                    for index in 0..<scanOutputs { collected[index].append(outputs[states + index]) }
                }
                for index in 0..<states { finalStates[index].append(values[index]) }
                for index in 0..<scanOutputs {
                    guard let first = collected[index].first else {
                        throw KernelError.unsupported("Scan-8 with an empty sequence")
                    }
                    var padded = collected[index]
                    while padded.count < length {
                        padded.append(try NDArray(zerosOf: first.dataType, shape: first.shape))
                    }
                    scanned[index].append(try stack(padded, axis: 0, emptyType: first.dataType))
                }
            }
            var results: [NDArray?] = []
            for index in 0..<states { results.append(try stack(finalStates[index], axis: 0, emptyType: .float)) }
            for index in 0..<scanOutputs { results.append(try stack(scanned[index], axis: 0, emptyType: .float)) }
            return results
        }
    }
}

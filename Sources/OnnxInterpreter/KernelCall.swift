import OnnxIR

/// What a kernel gets at run time: its inputs, and a way to run subgraphs in its scope.
struct KernelCall {
    /// The inputs, nil for omitted ones. Inputs used here for the last time are moved in, so a
    /// kernel may reuse their buffers (see `takeUnique`).
    var inputs: [NDArray?]
    /// The node being run.
    let node: Node
    /// The frame of the graph that holds the node, for subgraphs' captured values.
    let frame: Frame
    /// The run's observer.
    let observer: TensorObserver?

    /// Number of input slots.
    var inputCount: Int { inputs.count }

    /// Whether input `index` is given.
    func has(_ index: Int) -> Bool { index < inputs.count && inputs[index] != nil }

    /// Input `index`; throws naming the input when it is missing.
    func input(_ index: Int) throws -> NDArray {
        guard index < inputs.count, let array = inputs[index] else {
            throw KernelError.invalid("required input \(index) is missing")
        }
        return array
    }

    /// Input `index` if given.
    func optionalInput(_ index: Int) -> NDArray? {
        index < inputs.count ? inputs[index] : nil
    }

    /// The elements of integer input `index` (int64 or int32) as Ints; nil when the input is omitted.
    func integers(_ index: Int) throws -> [Int]? {
        guard let array = optionalInput(index) else { return nil }
        return try IntegerReading.values(of: array, name: inputName(index))
    }

    /// The name of input `index`, for messages.
    func inputName(_ index: Int) -> String {
        guard index < node.inputs.count, let value = node.inputs[index] else { return "input \(index)" }
        return "'\(value.name)'"
    }

    /// Input `index` with sole ownership of its buffer, removed from `inputs`; nil if anyone else holds it.
    ///
    /// Lets elementwise kernels write their result over an input that dies here.
    mutating func takeUnique(_ index: Int) -> NDArray? {
        guard index < inputs.count, inputs[index] != nil else { return nil }
        guard isKnownUniquelyReferenced(&inputs[index]!.buffer), !(inputs[index]?.buffer.isShared ?? true) else {
            return nil
        }
        let array = inputs[index]
        inputs[index] = nil
        return array
    }

    /// Input `index` and whether the kernel owns it alone (so may write over it).
    mutating func inputForReuse(_ index: Int) throws -> (array: NDArray, owned: Bool) {
        if let owned = takeUnique(index) { return (owned, true) }
        return (try input(index), false)
    }

    /// Runs the nodes of a fused step one after another with their own kernels, on this call's inputs (the
    /// values `inputs` names); returns the last node's output. The path for inputs a fused loop does not
    /// take, and the one whose errors name the node that failed.
    mutating func runSeparately(_ nodes: [Node], _ kernels: [Kernel], inputs: [Value]) throws -> [NDArray?] {
        var values: [ObjectIdentifier: NDArray] = [:]
        for (value, array) in zip(inputs, self.inputs) { values[ObjectIdentifier(value)] = array }
        self.inputs.removeAll()
        var result: NDArray?
        for (node, kernel) in zip(nodes, kernels) {
            var arguments: [NDArray?] = []
            for input in node.inputs {
                guard let input else {
                    arguments.append(nil)
                    continue
                }
                arguments.append(values[ObjectIdentifier(input)])
            }
            var nodeCall = KernelCall(inputs: arguments, node: node, frame: frame, observer: nil)
            arguments.removeAll()
            let outputs: [NDArray?]
            do {
                outputs = try kernel(&nodeCall)
            } catch let error as KernelError {
                throw GraphPlan.describe(error, node: node)
            }
            guard let output = node.outputs[0], let array = outputs.first ?? nil else {
                throw InterpreterError.kernelFailed(
                    node: node.displayName, opType: node.opType, reason: "output 0 was requested but not produced")
            }
            values[ObjectIdentifier(output)] = array
            result = array
        }
        return [result]
    }

    /// Runs `plan` (a subgraph of this node) on `arguments`, with this node's graph as its outer scope.
    func runSubgraph(_ plan: GraphPlan, arguments: [NDArray?]) throws -> [NDArray] {
        try plan.run(arguments: arguments, parent: frame, observer: observer)
    }
}

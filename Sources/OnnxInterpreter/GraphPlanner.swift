import OnnxIR

/// Compiles graphs into `GraphPlan`s: schedules nodes, builds kernels, and finds each value's last use.
final class GraphPlanner {
    /// Imported opset version per domain ("" for the default domain).
    private let opsetVersions: [String: Int]
    /// The model's name, for messages.
    let modelName: String
    /// Model-local functions by `domain:name`.
    private let functions: [String: Function]
    /// Inside a function body: the caller's attribute values, for `ref_attr_name` references.
    let bindings: [String: Attribute]
    /// How many function calls deep this planner is.
    private let functionDepth: Int
    /// The most iterations one run of a `Loop` node may take.
    let loopIterationLimit: Int
    /// What the constant caches of every graph this planner plans (dequantized and packed weights) may
    /// still take together.
    let constantBudget: ConstantCacheBudget

    /// Functions may call functions, but a deeper chain than this is taken to be recursion.
    static let maximumFunctionDepth = 32

    /// Creates a planner for the graphs of `model`.
    convenience init(model: Model, modelName: String, loopIterationLimit: Int, constantCacheBytes: Int) {
        var functions: [String: Function] = [:]
        for function in model.functions {
            let domain = OpsetImport.isDefaultDomain(function.domain ?? "") ? "" : function.domain ?? ""
            functions[KernelRegistry.key(domain: domain, opType: function.name ?? "")] = function
        }
        self.init(
            versions: Self.versions(model.opsetImports, over: [:]), modelName: modelName, functions: functions,
            bindings: [:], functionDepth: 0, loopIterationLimit: loopIterationLimit,
            constantBudget: ConstantCacheBudget(bytes: constantCacheBytes))
    }

    private init(
        versions: [String: Int], modelName: String, functions: [String: Function], bindings: [String: Attribute],
        functionDepth: Int, loopIterationLimit: Int, constantBudget: ConstantCacheBudget
    ) {
        self.loopIterationLimit = loopIterationLimit
        self.constantBudget = constantBudget
        self.opsetVersions = versions
        self.modelName = modelName
        self.functions = functions
        self.bindings = bindings
        self.functionDepth = functionDepth
    }

    /// `base` with the versions `imports` declare.
    private static func versions(_ imports: [OpsetImport], over base: [String: Int]) -> [String: Int] {
        var versions = base
        for opset in imports {
            let domain = OpsetImport.isDefaultDomain(opset.domain) ? "" : opset.domain
            versions[domain] = Int(clamping: opset.version)
        }
        return versions
    }

    /// Plans `graph`, which may use the values in `outerVisible` from the graphs around it.
    /// With `targets`, only the nodes those values need are scheduled, and they are the plan's outputs;
    /// the values in `given` then come from the caller, so their producers (and what only those need) do not run.
    func plan(
        graph: Graph, depth: Int, outerVisible: Set<ObjectIdentifier>, targets: [Value]? = nil,
        given: Set<ObjectIdentifier> = []
    ) throws -> GraphPlan {
        let defined = graph.definedValues()
        var slotIndex: [ObjectIdentifier: Int] = [:]
        for value in defined { slotIndex[ObjectIdentifier(value)] = slotIndex.count }
        let localIDs = Set(slotIndex.keys)

        var order = try schedule(graph)
        let outputs = targets ?? graph.outputs
        if targets != nil { order = Self.nodes(in: order, needing: outputs, given: given) }
        var effectiveInputs: [[Value]] = []
        var captures: [(id: ObjectIdentifier, slot: Int)] = []
        for node in order {
            let used = node.inputs.compactMap { $0 } + node.subgraphs.flatMap { Self.freeValues(of: $0) }
            for value in used where slotIndex[ObjectIdentifier(value)] == nil {
                guard outerVisible.contains(ObjectIdentifier(value)) else {
                    throw InterpreterError.invalidGraph(
                        graph: graph.displayName,
                        reason: "node '\(node.displayName)' uses undefined value '\(value.name)'")
                }
                let slot = slotIndex.count
                slotIndex[ObjectIdentifier(value)] = slot
                captures.append((ObjectIdentifier(value), slot))
            }
            effectiveInputs.append(used)
        }

        var constantSlots = [NDArray?](repeating: nil, count: slotIndex.count)
        var mappedConstants: [Int: Tensor] = [:]
        for value in graph.initializers {
            guard let tensor = value.initializer, let slot = slotIndex[ObjectIdentifier(value)] else { continue }
            constantSlots[slot] = try NDArray(tensor: tensor)
            if tensor.hasMappedBytes { mappedConstants[slot] = tensor }
        }
        for value in graph.sparseInitializers where value.hasUses {
            throw InterpreterError.unsupportedTensor(name: value.name, reason: "sparse initializers are not supported")
        }

        let visible = outerVisible.union(localIDs)
        let inputSlots = graph.inputs.compactMap { slotIndex[ObjectIdentifier($0)] }
        // A run may replace an initializer that is also a graph input, so only the others never change.
        let fixedSlots = Set(constantSlots.indices.filter { constantSlots[$0] != nil }).subtracting(inputSlots)
        let (steps, fusedSteps, fuse) = try buildSteps(
            order: order, effectiveInputs: effectiveInputs, graph: graph, outputs: outputs, slotIndex: slotIndex,
            depth: depth, visible: visible, fixedSlots: fixedSlots, mappedConstants: mappedConstants)
        var outputSlots: [Int] = []
        for output in outputs {
            guard let slot = slotIndex[ObjectIdentifier(output)] else {
                if outerVisible.contains(ObjectIdentifier(output)) {
                    let slot = slotIndex.count
                    slotIndex[ObjectIdentifier(output)] = slot
                    captures.append((ObjectIdentifier(output), slot))
                    constantSlots.append(nil)
                    outputSlots.append(slot)
                    continue
                }
                throw InterpreterError.invalidGraph(
                    graph: graph.displayName, reason: "output '\(output.name)' is not defined")
            }
            outputSlots.append(slot)
        }
        return GraphPlan(
            graph: graph, depth: depth, slotIndex: slotIndex, constantSlots: constantSlots, inputSlots: inputSlots,
            captures: captures, steps: steps, fusedSteps: fusedSteps, fusedKeeping: fuse, outputSlots: outputSlots,
            outputs: outputs)
    }

    private func buildSteps(
        order: [Node], effectiveInputs: [[Value]], graph: Graph, outputs: [Value], slotIndex: [ObjectIdentifier: Int],
        depth: Int, visible: Set<ObjectIdentifier>, fixedSlots: Set<Int>, mappedConstants: [Int: Tensor]
    ) throws -> (steps: [PlanStep], fusedSteps: [PlanStep], fuse: (Set<ObjectIdentifier>) -> [PlanStep]) {
        var kernels: [Kernel] = []
        kernels.reserveCapacity(order.count)
        for node in order {
            var kernel = try buildKernel(for: node, depth: depth, visible: visible)
            let inputSlots = node.inputs.map { $0.flatMap { slotIndex[ObjectIdentifier($0)] } }
            let mapped = inputSlots.compactMap { $0.flatMap { mappedConstants[$0] } }
            if !mapped.isEmpty { kernel = Self.releasingPages(of: mapped, after: kernel) }
            if Self.dequantizesConstants(node, inputSlots: inputSlots, fixedSlots: fixedSlots) {
                kernel = ConstantResultCache(budget: constantBudget).wrap(kernel)
            }
            kernels.append(kernel)
        }
        let kept = Set(outputs.compactMap { slotIndex[ObjectIdentifier($0)] })
        let units = order.indices.map { index in
            ScheduledUnit(
                node: order[index], inputs: order[index].inputs, used: effectiveInputs[index], kernel: kernels[index])
        }
        let steps = Self.steps(for: units, slotIndex: slotIndex, kept: kept)
        let fuse = { [self] (watched: Set<ObjectIdentifier>) -> [PlanStep] in
            let keptValues = Set(outputs.map(ObjectIdentifier.init)).union(watched)
            let uses = Self.useCounts(effectiveInputs)
            let groups =
                Self.fusionGroups(order: order, effectiveInputs: effectiveInputs, uses: uses, kept: keptValues)
                + ChannelsLastConv.triples(in: order, uses: uses, kept: keptValues)
            guard !groups.isEmpty else { return steps }
            let fusedUnits = self.units(
                fusing: groups, order: order, units: units, kernels: kernels, slotIndex: slotIndex,
                mappedConstants: mappedConstants, depth: depth, visible: visible)
            return Self.steps(for: fusedUnits, slotIndex: slotIndex, kept: kept)
        }
        return (steps, fuse([]), fuse)
    }

    /// `units` with each of `groups` run as one step at its last node's place: a `ChannelsLastConv` or a
    /// `FusedElementwise` loop (or node by node, where the group compiles to neither).
    private func units(
        fusing groups: [[Int]], order: [Node], units: [ScheduledUnit], kernels: [Kernel],
        slotIndex: [ObjectIdentifier: Int],
        mappedConstants: [Int: Tensor], depth: Int, visible: Set<ObjectIdentifier>
    ) -> [ScheduledUnit] {
        var fusedUnits: [ScheduledUnit] = []
        var grouped = [Bool](repeating: false, count: order.count)
        var groupEnding: [Int: [Int]] = [:]
        for group in groups {
            guard let root = group.last else { continue }
            for member in group { grouped[member] = true }
            groupEnding[root] = group
        }
        for index in order.indices {
            guard grouped[index] else {
                fusedUnits.append(units[index])
                continue
            }
            guard let group = groupEnding[index] else { continue }
            let nodes = group.map { order[$0] }
            let context = { node in
                NodeContext(
                    node: node, opsetVersion: self.opsetVersions[""] ?? 1, planner: self, depth: depth,
                    visible: visible)
            }
            let inputs: [Value]
            var kernel: Kernel
            if let conv = ChannelsLastConv.compile(nodes, context: context) {
                inputs = conv.inputs
                kernel = conv.kernel(nodes: nodes, kernels: group.map { kernels[$0] })
            } else if let program = FusedElementwise.compile(nodes, context: context) {
                inputs = program.operands + program.bounds
                kernel = program.kernel(nodes: nodes, kernels: group.map { kernels[$0] })
            } else {
                fusedUnits.append(contentsOf: group.map { units[$0] })
                continue
            }
            let mapped = inputs.compactMap { slotIndex[ObjectIdentifier($0)].flatMap { mappedConstants[$0] } }
            if !mapped.isEmpty { kernel = Self.releasingPages(of: mapped, after: kernel) }
            fusedUnits.append(ScheduledUnit(node: order[index], inputs: inputs, used: inputs, kernel: kernel))
        }
        return fusedUnits
    }

    /// The steps running `units` in order, each told which slots it uses for the last time.
    private static func steps(for units: [ScheduledUnit], slotIndex: [ObjectIdentifier: Int], kept: Set<Int>)
        -> [PlanStep]
    {
        var lastUse: [Int: Int] = [:]
        for (stepIndex, unit) in units.enumerated() {
            for value in unit.used { if let slot = slotIndex[ObjectIdentifier(value)] { lastUse[slot] = stepIndex } }
        }
        var steps: [PlanStep] = []
        steps.reserveCapacity(units.count)
        for (stepIndex, unit) in units.enumerated() {
            let node = unit.node
            let inputSlots = unit.inputs.map { $0.flatMap { slotIndex[ObjectIdentifier($0)] } }
            let outputSlots = node.outputs.map { $0.flatMap { slotIndex[ObjectIdentifier($0)] } }
            // Sets beside the ordered lists: a node with n inputs (a Concat of 20,000 values) took n² steps.
            var dying: [Int] = []
            var dyingSet = Set<Int>()
            for value in unit.used {
                guard let slot = slotIndex[ObjectIdentifier(value)], lastUse[slot] == stepIndex, !kept.contains(slot),
                    dyingSet.insert(slot).inserted
                else { continue }
                dying.append(slot)
            }
            let direct = Set(inputSlots.compactMap { $0 })
            let moved = node.subgraphs.isEmpty ? dying.filter { direct.contains($0) } : []
            let movedSet = Set(moved)
            var released = dying.filter { !movedSet.contains($0) }
            for slot in outputSlots.compactMap({ $0 }) where lastUse[slot] == nil && !kept.contains(slot) {
                released.append(slot)
            }
            steps.append(
                PlanStep(
                    node: node, inputs: unit.inputs, kernel: unit.kernel, inputSlots: inputSlots,
                    outputSlots: outputSlots, movedInputs: moved, releasedAfter: released))
        }
        return steps
    }

    /// Groups of `order`'s elementwise nodes (indices, in order) that can run as one `FusedElementwise` loop:
    /// every value passed inside a group has all its uses inside it and is not in `kept` (the outputs and the
    /// values an observer watches), so it need never be stored. A value with several uses joins once all its
    /// users have (the `x` that a written-out HardSwish or Gelu reads twice, with the affine that makes it).
    private static func fusionGroups(
        order: [Node], effectiveInputs: [[Value]], uses: [ObjectIdentifier: Int], kept: Set<ObjectIdentifier>
    ) -> [[Int]] {
        var producer: [ObjectIdentifier: Int] = [:]
        for (index, node) in order.enumerated() where FusedElementwise.accepts(node) {
            if let output = node.outputs[0] { producer[ObjectIdentifier(output)] = index }
        }
        var assigned = [Bool](repeating: false, count: order.count)
        var groups: [[Int]] = []
        for root in order.indices.reversed() where !assigned[root] && FusedElementwise.accepts(order[root]) {
            var group: [Int] = []
            var usesInside: [ObjectIdentifier: Int] = [:]
            func take(_ member: Int) {
                assigned[member] = true
                group.append(member)
                for value in effectiveInputs[member] { usesInside[ObjectIdentifier(value), default: 0] += 1 }
            }
            take(root)
            // Until no member's input can join: each pass may complete the users of a value read twice.
            var grew = true
            while grew && group.count < maximumFusedNodes {
                grew = false
                var index = 0
                while index < group.count {
                    for input in effectiveInputs[group[index]] {
                        let id = ObjectIdentifier(input)
                        guard let source = producer[id], !assigned[source], uses[id] == usesInside[id],
                            !kept.contains(id), group.count < maximumFusedNodes
                        else { continue }
                        take(source)
                        grew = true
                    }
                    index += 1
                }
            }
            if group.count > 1 { groups.append(group.sorted()) }
        }
        return groups.reversed()
    }

    /// How many times each value is read by the nodes whose inputs are `effectiveInputs`.
    private static func useCounts(_ effectiveInputs: [[Value]]) -> [ObjectIdentifier: Int] {
        var uses: [ObjectIdentifier: Int] = [:]
        for used in effectiveInputs { for value in used { uses[ObjectIdentifier(value), default: 0] += 1 } }
        return uses
    }

    /// The most nodes one fused group takes: enough for the activation and normalization chains models
    /// have, while a group's intermediate chunks stay in the first-level cache.
    static let maximumFusedNodes = 16

    /// `kernel`, then the resident pages of the memory-mapped weights it read given back.
    ///
    /// Weights are read in place from their side-file mapping; without this every page a run touched
    /// would stay resident, and calibrating a model larger than memory would hold all of it. A later
    /// read pages a weight in again (from the page cache while memory allows), so the interpreter's
    /// resident weights are the ones the running node reads.
    private static func releasingPages(of tensors: [Tensor], after kernel: @escaping Kernel) -> Kernel {
        { call in
            defer { for tensor in tensors { tensor.releaseResidentPages() } }
            return try kernel(&call)
        }
    }

    private func buildKernel(for node: Node, depth: Int, visible: Set<ObjectIdentifier>) throws -> Kernel {
        let domain = OpsetImport.isDefaultDomain(node.domain) ? "" : node.domain
        if let function = functions[KernelRegistry.key(domain: domain, opType: node.opType)] {
            return try functionKernel(for: node, function: function, depth: depth)
        }
        let version = opsetVersions[domain]
        guard let builder = KernelRegistry.builder(domain: domain, opType: node.opType), let version else {
            throw InterpreterError.unsupportedOperator(
                opType: node.opType, domain: domain, version: version.map { Int64($0) }, node: node.displayName,
                model: modelName)
        }
        let context = NodeContext(node: node, opsetVersion: version, planner: self, depth: depth, visible: visible)
        do {
            return try builder(context)
        } catch let error as KernelError {
            if case .unsupported(let reason) = error {
                throw InterpreterError.unsupportedOperator(
                    opType: node.opType + " (\(reason))", domain: domain, version: Int64(version),
                    node: node.displayName, model: modelName)
            }
            throw GraphPlan.describe(error, node: node)
        }
    }

    /// A node calling a model-local function: the body is planned for this call site, with the
    /// caller's attributes (or the function's defaults) bound to the body's references.
    private func functionKernel(for node: Node, function: Function, depth: Int) throws -> Kernel {
        guard functionDepth < Self.maximumFunctionDepth else {
            throw InterpreterError.invalidGraph(
                graph: function.name ?? "",
                reason: "function calls nest deeper than \(Self.maximumFunctionDepth) (recursion?)")
        }
        var callerBindings: [String: Attribute] = [:]
        for attribute in function.attributeDefaults { callerBindings[attribute.name] = attribute }
        for attribute in node.attributes {
            if let reference = attribute.refAttrName {
                if let bound = bindings[reference] {
                    callerBindings[attribute.name] = Attribute(attribute.name, bound.value)
                }
            } else {
                callerBindings[attribute.name] = attribute
            }
        }
        let planner = GraphPlanner(
            versions: Self.versions(function.opsetImports, over: opsetVersions), modelName: modelName,
            functions: functions, bindings: callerBindings, functionDepth: functionDepth + 1,
            loopIterationLimit: loopIterationLimit, constantBudget: constantBudget)
        let plan = try planner.plan(graph: function.body, depth: depth + 1, outerVisible: [])
        guard plan.captures.isEmpty else {
            throw InterpreterError.invalidGraph(
                graph: function.name ?? "", reason: "a function body uses a value it does not define")
        }
        return { call in try plan.run(arguments: call.inputs, parent: nil, observer: call.observer) }
    }

    /// Whether `node` dequantizes values that never change: an initializer (a weight) with its scale and zero point.
    ///
    /// Only DequantizeLinear: other ops on constants were folded before a model gets here, while
    /// a quantized model keeps its weights behind DequantizeLinear on purpose.
    private static func dequantizesConstants(_ node: Node, inputSlots: [Int?], fixedSlots: Set<Int>) -> Bool {
        guard node.opType == "DequantizeLinear", OpsetImport.isDefaultDomain(node.domain) else { return false }
        return node.inputs.indices.allSatisfy { index in
            node.inputs[index] == nil || inputSlots[index].map(fixedSlots.contains) == true
        }
    }

    /// Orders the nodes so each comes after the producers of its inputs, keeping file order where it can.
    /// The nodes of `order` that `targets` depend on, in the same order; a value in `given` is supplied, so
    /// it needs nothing.
    private static func nodes(in order: [Node], needing targets: [Value], given: Set<ObjectIdentifier>) -> [Node] {
        var needed = Set(targets.map(ObjectIdentifier.init)).subtracting(given)
        var kept: [Node] = []
        for node in order.reversed() {
            guard node.outputs.contains(where: { $0.map { needed.contains(ObjectIdentifier($0)) } ?? false }) else {
                continue
            }
            kept.append(node)
            for input in node.inputs.compactMap({ $0 }) + node.subgraphs.flatMap({ freeValues(of: $0) })
            where !given.contains(ObjectIdentifier(input)) {
                needed.insert(ObjectIdentifier(input))
            }
        }
        return kept.reversed()
    }

    private func schedule(_ graph: Graph) throws -> [Node] {
        let nodes = graph.nodes
        var producerIndex: [ObjectIdentifier: Int] = [:]
        for (index, node) in nodes.enumerated() {
            for output in node.outputs.compactMap({ $0 }) { producerIndex[ObjectIdentifier(output)] = index }
        }
        var dependencies: [[Int]] = []
        var alreadySorted = true
        for (index, node) in nodes.enumerated() {
            let used = node.inputs.compactMap { $0 } + node.subgraphs.flatMap { Self.freeValues(of: $0) }
            let producers = used.compactMap { producerIndex[ObjectIdentifier($0)] }
            if producers.contains(where: { $0 >= index }) { alreadySorted = false }
            dependencies.append(producers)
        }
        if alreadySorted { return nodes }
        var remaining = dependencies.map { Set($0).count }
        var dependents = [[Int]](repeating: [], count: nodes.count)
        for (index, producers) in dependencies.enumerated() {
            for producer in Set(producers) { dependents[producer].append(index) }
        }
        var ready = (0..<nodes.count).filter { remaining[$0] == 0 }
        var order: [Node] = []
        order.reserveCapacity(nodes.count)
        while !ready.isEmpty {
            let position = ready.indices.min { ready[$0] < ready[$1] } ?? 0
            let next = ready.remove(at: position)
            order.append(nodes[next])
            for dependent in dependents[next] {
                remaining[dependent] -= 1
                if remaining[dependent] == 0 { ready.append(dependent) }
            }
        }
        guard order.count == nodes.count else {
            let stuck = nodes.indices.first { remaining[$0] > 0 }.map { nodes[$0].displayName } ?? "?"
            throw InterpreterError.invalidGraph(
                graph: graph.displayName, reason: "the nodes form a cycle (node '\(stuck)' can never run)")
        }
        return order
    }

    /// Values the nodes of `graph` (and of the graphs inside it) use but `graph` does not define.
    static func freeValues(of graph: Graph) -> [Value] {
        let defined = Set(graph.definedValues().map(ObjectIdentifier.init))
        var seen = Set<ObjectIdentifier>()
        var result: [Value] = []
        for node in graph.nodes {
            let used = node.inputs.compactMap { $0 } + node.subgraphs.flatMap { freeValues(of: $0) }
            for value in used where !defined.contains(ObjectIdentifier(value)) {
                if seen.insert(ObjectIdentifier(value)).inserted { result.append(value) }
            }
        }
        for output in graph.outputs where !defined.contains(ObjectIdentifier(output)) {
            if seen.insert(ObjectIdentifier(output)).inserted { result.append(output) }
        }
        return result
    }
}

/// What one step of a schedule runs: a node, or a fused group named after its last node.
private struct ScheduledUnit {
    /// The node (of a group, the one whose output the group produces).
    let node: Node
    /// The values the kernel takes, in order.
    let inputs: [Value?]
    /// Every value the step reads, subgraphs' captures included (for the values' last uses).
    let used: [Value]
    /// The kernel.
    let kernel: Kernel
}

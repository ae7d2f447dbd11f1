import Foundation
import OnnxIR

/// A graph compiled for running: a schedule of kernels over numbered value slots.
///
/// Built once per graph (subgraphs included) and reused for every run; holds no per-run state,
/// so one plan may run on several threads at once.
final class GraphPlan {
    /// The graph.
    let graph: Graph
    /// Nesting depth (0 for the main graph).
    let depth: Int
    /// Slot of every value the graph defines or captures.
    let slotIndex: [ObjectIdentifier: Int]
    /// Initial slot contents: initializers and nothing else.
    let constantSlots: [NDArray?]
    /// Slot of each graph input, in the graph's input order.
    let inputSlots: [Int]
    /// Values taken from the graphs around this one: (their identity, our slot).
    let captures: [(id: ObjectIdentifier, slot: Int)]
    /// The schedule, one step per node: what runs when an observer watches every tensor.
    let steps: [PlanStep]
    /// The schedule with groups of elementwise nodes fused (`FusedElementwise`): what runs unobserved.
    let fusedSteps: [PlanStep]
    /// The fused schedule that leaves the given values out of every group, so an observer watching them sees them.
    private let fusedKeeping: (Set<ObjectIdentifier>) -> [PlanStep]
    /// The last schedule `fusedKeeping` made, and for which values: calibration asks for the same ones every run.
    private var watchedSchedule: (watched: Set<ObjectIdentifier>, steps: [PlanStep])?
    private let scheduleLock = NSLock()
    /// Slot of each graph output (or of each requested value, for a plan pruned to some values).
    let outputSlots: [Int]
    /// The values `outputSlots` hold.
    let outputs: [Value]

    /// Creates a plan; `GraphPlanner` computes the parts.
    init(
        graph: Graph, depth: Int, slotIndex: [ObjectIdentifier: Int], constantSlots: [NDArray?], inputSlots: [Int],
        captures: [(id: ObjectIdentifier, slot: Int)], steps: [PlanStep], fusedSteps: [PlanStep],
        fusedKeeping: @escaping (Set<ObjectIdentifier>) -> [PlanStep], outputSlots: [Int], outputs: [Value]
    ) {
        self.graph = graph
        self.depth = depth
        self.slotIndex = slotIndex
        self.constantSlots = constantSlots
        self.inputSlots = inputSlots
        self.captures = captures
        self.steps = steps
        self.fusedSteps = fusedSteps
        self.fusedKeeping = fusedKeeping
        self.outputSlots = outputSlots
        self.outputs = outputs
    }

    /// Runs the graph: `arguments` fill the inputs in order (nil keeps an input's initializer), and `seeds`
    /// fill the slots of values the caller supplies instead of their producers (a plan with given values).
    /// With `watching`, the observer is only interested in those values: groups of elementwise nodes that do
    /// not produce one of them run fused, and the observer sees only what the fused schedule produces.
    func run(
        arguments: [NDArray?], parent: Frame?, observer: TensorObserver?, seeds: [(slot: Int, array: NDArray)] = [],
        watching: Set<ObjectIdentifier>? = nil
    ) throws -> [NDArray] {
        let frame = Frame(plan: self)
        for seed in seeds { frame.slots[seed.slot] = seed.array }
        for (index, slot) in inputSlots.enumerated() where index < arguments.count {
            if let argument = arguments[index] { frame.slots[slot] = argument }
        }
        for capture in captures {
            guard let value = parent?.lookup(capture.id) else {
                throw InterpreterError.invalidGraph(
                    graph: graph.displayName, reason: "a value captured from the enclosing graph is not available")
            }
            frame.slots[capture.slot] = value
        }
        if let observer {
            for (index, slot) in inputSlots.enumerated() {
                guard let array = frame.slots[slot] else { continue }
                let value = graph.inputs[index]
                try observer(ObservedTensor(name: value.name, value: value, node: nil, array: array, depth: depth))
            }
        }
        let schedule: [PlanStep]
        if observer == nil {
            schedule = fusedSteps
        } else if let watching {
            schedule = steps(keeping: watching)
        } else {
            schedule = steps
        }
        for step in schedule {
            try execute(step, in: frame, observer: observer)
        }
        var results: [NDArray] = []
        results.reserveCapacity(outputSlots.count)
        for (index, slot) in outputSlots.enumerated() {
            guard let array = frame.slots[slot] else {
                throw InterpreterError.invalidGraph(
                    graph: graph.displayName, reason: "output '\(outputs[index].name)' was not produced")
            }
            results.append(array)
        }
        return results
    }

    private func execute(_ step: PlanStep, in frame: Frame, observer: TensorObserver?) throws {
        var inputs: [NDArray?] = []
        inputs.reserveCapacity(step.inputSlots.count)
        for (index, slot) in step.inputSlots.enumerated() {
            guard let slot else {
                inputs.append(nil)
                continue
            }
            guard let array = frame.slots[slot] else {
                let name = step.inputs[index]?.name ?? "?"
                throw InterpreterError.kernelFailed(
                    node: step.node.displayName, opType: step.node.opType,
                    reason: "input '\(name)' has no value (an optional graph input that was not given?)")
            }
            inputs.append(array)
        }
        for slot in step.movedInputs { frame.slots[slot] = nil }
        var call = KernelCall(inputs: inputs, node: step.node, frame: frame, observer: observer)
        let outputs: [NDArray?]
        do {
            outputs = try step.kernel(&call)
        } catch let error as KernelError {
            throw Self.describe(error, node: step.node)
        }
        call.inputs.removeAll()
        for (index, slot) in step.outputSlots.enumerated() {
            guard let slot else { continue }
            guard index < outputs.count, let array = outputs[index] else {
                throw InterpreterError.kernelFailed(
                    node: step.node.displayName, opType: step.node.opType,
                    reason: "output \(index) was requested but not produced")
            }
            frame.slots[slot] = array
            if let observer, let value = step.node.outputs[index] {
                try observer(
                    ObservedTensor(name: value.name, value: value, node: step.node, array: array, depth: depth))
            }
        }
        for slot in step.releasedAfter { frame.slots[slot] = nil }
    }

    /// The fused schedule that keeps `watched` out of every group (made once per set of values, then reused).
    private func steps(keeping watched: Set<ObjectIdentifier>) -> [PlanStep] {
        scheduleLock.lock()
        defer { scheduleLock.unlock() }
        if let cached = watchedSchedule, cached.watched == watched { return cached.steps }
        let steps = fusedKeeping(watched)
        watchedSchedule = (watched, steps)
        return steps
    }

    /// Names the node in a kernel's error.
    static func describe(_ error: KernelError, node: Node) -> InterpreterError {
        switch error {
        case .invalid(let reason):
            return .kernelFailed(node: node.displayName, opType: node.opType, reason: reason)
        case .unsupportedType(let reason):
            return .unsupportedDataType(node: node.displayName, opType: node.opType, reason: reason)
        case .invalidAttribute(let reason):
            return .invalidNode(node: node.displayName, opType: node.opType, reason: reason)
        case .unsupported(let reason):
            return .unsupportedFeature(node: node.displayName, opType: node.opType, reason: reason)
        }
    }
}

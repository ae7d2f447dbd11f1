import OnnxIR

/// Runs an ONNX model: the reference interpreter qdqc calibrates and checks accuracy with.
///
/// Built once per model: checks that every operator has a kernel (an unsupported one is an
/// error naming the op type, the node and the model), schedules the graph, and reads the
/// initializers in place. `run` may then be called any number of times, with inputs of any
/// shape the model allows, from any thread.
public final class Interpreter: @unchecked Sendable {
    /// The model being run.
    public let model: Model
    /// The name used in messages.
    public let modelName: String
    private let plan: GraphPlan
    private let requiredInputs: [Value]
    /// The frame slot of each value given by name at run time (`given`); a value the plan never reads has none.
    private let givenSlots: [String: Int]
    /// The main graph's node outputs, for `run(_:observer:watching:)`.
    private let producedValues: [Value]

    /// The default of `loopIterationLimit`: the most iterations one run of a `Loop` node may take.
    ///
    /// A trip count or a condition comes from the model or its inputs: `2^62` or a body that always
    /// says "go on" would otherwise run for ever. Real loops (decoders, NMS) take thousands at most.
    public static let maximumLoopIterations = 1 << 20

    /// The default of `constantCacheBytes`: how much dequantized weight data one interpreter keeps between runs.
    public static let defaultConstantCacheBytes = 1 << 30

    /// Plans `model`; `name` (for messages) defaults to the main graph's name. One run of a `Loop`
    /// node may take at most `loopIterationLimit` iterations; more is an error naming the node.
    ///
    /// With `computing`, only the nodes those main-graph values need run, and `run` returns them instead of
    /// the graph outputs (a weight algorithm measuring the inputs of one wave of layers needs no more).
    /// With `given` as well, those main-graph values are passed to `run` by name like inputs, and the nodes that
    /// only they need do not run: a caller holding one run's values recomputes just the part of the graph after
    /// a change (sensitivity analysis runs the suffix after one tensor this way).
    ///
    /// The first run dequantizes each constant weight (DequantizeLinear of initializers) and later runs
    /// reuse the float values, up to `constantCacheBytes` in all; past that, a weight is dequantized at
    /// every run. The results are the same either way.
    public init(
        model: Model, name: String? = nil, computing: [String]? = nil, given: [String] = [],
        loopIterationLimit: Int = Interpreter.maximumLoopIterations,
        constantCacheBytes: Int = Interpreter.defaultConstantCacheBytes
    ) throws {
        AllocatorTuning.apply()
        Blas.prepare()
        self.model = model
        self.modelName = name ?? model.graph.name ?? "model"
        let planner = GraphPlanner(
            model: model, modelName: modelName, loopIterationLimit: loopIterationLimit,
            constantCacheBytes: constantCacheBytes)
        var targets: [Value]?
        var givenValues: [Value] = []
        if computing != nil || !given.isEmpty {
            let byName = Dictionary(
                model.graph.definedValues().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            let lookUp = { (name: String) throws -> Value in
                guard let value = byName[name] else {
                    throw InterpreterError.invalidGraph(
                        graph: model.graph.displayName, reason: "no value '\(name)' to compute")
                }
                return value
            }
            targets = try (computing ?? model.graph.outputs.map(\.name)).map(lookUp)
            givenValues = try given.map(lookUp)
        }
        let plan = try planner.plan(
            graph: model.graph, depth: 0, outerVisible: [], targets: targets,
            given: Set(givenValues.map(ObjectIdentifier.init)))
        self.plan = plan
        self.requiredInputs = model.graph.inputs.filter { $0.initializer == nil }
        var givenSlots: [String: Int] = [:]
        for value in givenValues { givenSlots[value.name] = plan.slotIndex[ObjectIdentifier(value)] }
        self.givenSlots = givenSlots
        self.producedValues = model.graph.nodes.flatMap { $0.outputs.compactMap { $0 } }
    }

    /// Names of the inputs a run needs (graph inputs without an initializer), in graph order.
    public var inputNames: [String] { requiredInputs.map(\.name) }

    /// Names of the values `run` returns: the graph outputs in graph order, or the values given as `computing`.
    public var outputNames: [String] { plan.outputs.map(\.name) }

    /// Steps of the main graph's schedule: one per node when observed, fewer unobserved where nodes run fused.
    var scheduleLengths: (observed: Int, unobserved: Int) { (plan.steps.count, plan.fusedSteps.count) }

    /// The operators this interpreter implements, as `domain:OpType` ("" domain written as `ai.onnx`).
    public static var supportedOperators: [String] { KernelRegistry.operatorNames }

    /// Runs the model on `inputs` (by graph input name, and by name for the values planned as `given`) and
    /// returns every graph output by name.
    ///
    /// `observer` sees each graph input and each tensor a node produces, as it is produced.
    /// A missing or unknown input, or one whose element type or shape breaks the graph's
    /// declaration, is an error naming it.
    ///
    /// With `watching`, the observer only wants the main-graph tensors whose names it accepts (and the graph
    /// inputs, and everything inside subgraphs): the run may then fuse the elementwise nodes between them
    /// (`FusedElementwise`), and the observer sees the tensors it wants, the same bits in the same order, and not
    /// necessarily the others.
    public func run(
        _ inputs: [String: NDArray], observer: TensorObserver? = nil, watching: ((String) -> Bool)? = nil
    ) throws -> [String: NDArray] {
        let graph = model.graph
        // A set, so a model with n inputs is checked in n steps rather than n².
        let inputNames = Set(graph.inputs.map(\.name))
        var seeds: [(slot: Int, array: NDArray)] = []
        for (name, array) in inputs where !inputNames.contains(name) {
            guard let slot = givenSlots[name] else { throw InterpreterError.unknownInput(name: name, model: modelName) }
            seeds.append((slot, array))
        }
        var arguments: [NDArray?] = []
        arguments.reserveCapacity(graph.inputs.count)
        for value in graph.inputs {
            guard let array = inputs[value.name] else {
                guard value.initializer != nil else {
                    throw InterpreterError.missingInput(name: value.name, model: modelName)
                }
                arguments.append(nil)
                continue
            }
            try check(array, against: value)
            arguments.append(array)
        }
        let watched = watching.map { accepts in
            Set(producedValues.lazy.filter { accepts($0.name) }.map(ObjectIdentifier.init))
        }
        let results = try plan.run(
            arguments: arguments, parent: nil, observer: observer, seeds: seeds, watching: watched)
        var outputs: [String: NDArray] = [:]
        for (value, array) in zip(plan.outputs, results) { outputs[value.name] = array }
        return outputs
    }

    /// The entries of `arrays` this model takes as graph inputs (a sample may carry more than one model reads).
    public func declaredInputs(in arrays: [String: NDArray]) -> [String: NDArray] {
        let declared = Set(model.graph.inputs.map(\.name))
        return arrays.filter { declared.contains($0.key) }
    }

    /// Runs the model on `Tensor` inputs; see `run(_:observer:)`.
    public func run(tensors: [String: Tensor], observer: TensorObserver? = nil) throws -> [String: NDArray] {
        var arrays: [String: NDArray] = [:]
        for (name, tensor) in tensors {
            do {
                arrays[name] = try NDArray(tensor: tensor)
            } catch InterpreterError.unsupportedTensor(_, let reason) {
                throw InterpreterError.inputMismatch(name: name, model: modelName, reason: reason)
            }
        }
        return try run(arrays, observer: observer)
    }

    private func check(_ array: NDArray, against value: Value) throws {
        guard let type = value.type else { return }
        guard case .tensor(let elementType, let shape) = type.kind else {
            throw InterpreterError.inputMismatch(
                name: value.name, model: modelName, reason: "only tensor inputs are supported")
        }
        if let elementType, elementType != .undefined, elementType != array.dataType {
            throw InterpreterError.inputMismatch(
                name: value.name, model: modelName,
                reason: "element type \(array.dataType) given, the model expects \(elementType)")
        }
        guard let shape else { return }
        guard shape.rank == array.rank else {
            throw InterpreterError.inputMismatch(
                name: value.name, model: modelName,
                reason: "shape \(array.shape) given, the model expects rank \(shape.rank) \(shape)")
        }
        for (axis, dimension) in shape.dimensions.enumerated() {
            if let size = dimension.value, size >= 0, Int(size) != array.shape[axis] {
                throw InterpreterError.inputMismatch(
                    name: value.name, model: modelName,
                    reason: "shape \(array.shape) given, the model expects \(shape) (axis \(axis))")
            }
        }
    }
}

import OnnxIR
import OnnxInterpreter

/// Runs calibration samples through the interpreter: the one sample loop of qdqc.
///
/// Streaming: each sample is read, run and dropped before the next, and each watched tensor is
/// handed over while the interpreter still holds it, so memory depends on what the caller keeps
/// per tensor, never on the number of samples. `observe` runs `workers` samples at once (one per
/// core by default), each worker with its own observers, merged exactly at the end. `calibrate` feeds an `ObserverSet` with
/// `observe(model:observers:)`, `smooth-quant` profiles activations with `run(model:watching:visit:)`,
/// and comparing a float model with its quantized version runs both models per sample with
/// `forEachSample(in:_:)`. Progress goes to the callback under `task`: zero before the first sample
/// (so a progress bar appears before a slow one), then one more after every sample.
public struct CalibrationRunner {
    /// The samples run.
    public let samples: CalibrationSamples
    /// What progress updates are reported under, e.g. `calibrate`.
    public let task: String
    /// How many samples `observe` runs at once, when its observers merge exactly (`SampleWorkers`);
    /// the other entry points hand tensors to callers' code and always run one sample at a time.
    public var workers = SampleWorkers.perCore
    private let progress: (ProgressUpdate) -> Void

    /// A runner over `samples` reporting progress under `task` to `progress`.
    public init(samples: CalibrationSamples, task: String, progress: @escaping (ProgressUpdate) -> Void = { _ in }) {
        self.samples = samples
        self.task = task
        self.progress = progress
    }

    /// Runs `model` over the samples and feeds every float tensor `observers` watches.
    ///
    /// A decoder with past whose samples give only its other inputs (`input_ids`) runs the way it is used: per
    /// sequence a prefill, then one token per step with `present` fed back as `past` (`samples.generation`), so
    /// the cache inputs are observed with what they hold in use.
    ///
    /// When the observers need each tensor's magnitude in advance (entropy on the `known-range`
    /// grid: `ObserverConfiguration.needsKnownRange`), a first min/max pass over the same
    /// samples gives it, then the tensors waiting for it (`tensorsAwaitingKnownRange`) are
    /// watched with it and a second pass runs; progress counts samples over both passes.
    ///
    /// Values inside If, Loop and Scan bodies are observed too, under their scoped names (`ScopedValueNames`,
    /// e.g. `vad_if|then_branch|x`): an If branch on the samples that take it, a loop body's values over every
    /// iteration. A body value no sample reached is never observed.
    public func observe(model: Model, observers: ObserverSet) throws {
        let interpreter = try Interpreter(model: model)
        let names = try ScopedValueNames(graph: model.graph)
        let awaiting = observers.tensorsAwaitingKnownRange
        let passes = awaiting.isEmpty ? 1 : 2
        let counter = ProgressCounter(task: task, total: samples.count * passes, report: progress)
        if !awaiting.isEmpty {
            let extremes = try ObserverSet(configuration: .minMax(MinMaxOptions()))
            for tensor in awaiting { try extremes.watch(tensor) }
            try observeShared(interpreter, observers: extremes, names: names, counter: counter)
            let ranges = try extremes.results()
            for tensor in awaiting {
                // A tensor the model never produced (or never finitely) gets the documented [0, 0] range.
                try observers.watch(tensor, knownAbsMax: ranges[tensor]?.range.absMax ?? 0)
            }
        }
        try observeShared(interpreter, observers: observers, names: names, counter: counter)
    }

    /// One pass of `observe`: over `workers` when `observers` merge exactly, each worker feeding its own
    /// fresh copy over its contiguous share of the samples, merged in worker order at the end (the state
    /// one pass over all samples gives); else one sample after another.
    private func observeShared(
        _ interpreter: Interpreter, observers: ObserverSet, names: ScopedValueNames, counter: ProgressCounter
    ) throws {
        let shares = workers.shares(of: samples.count)
        guard shares.count > 1, observers.mergesExactly else {
            try run(interpreter, counter: counter, generating: true, names: names, watching: observers.isWatching) {
                try Self.feed($0, to: observers)
            }
            return
        }
        let sets = [observers] + shares.dropFirst().map { _ in observers.freshCopy() }
        try workers.forEach(samples.count) { worker, index in
            let set = sets[worker]
            try runSample(index, interpreter, generating: true, names: names, watching: set.isWatching) {
                try Self.feed($0, to: set)
            }
            counter.advance()
        }
        for set in sets.dropFirst() { try observers.absorb(set) }
    }

    /// Runs `model` over the samples and hands `visit` every main-graph tensor `watching` accepts, as it is produced.
    ///
    /// A failing run, or an observer error thrown by `visit`, becomes `CalibrationRunError.sampleFailed` naming the sample.
    /// With `computing`, only the nodes those values need run.
    public func run(
        model: Model, computing: [String]? = nil, watching: @escaping (String) -> Bool,
        visit: @escaping (ObservedTensor) throws -> Void
    ) throws {
        let interpreter = try Interpreter(model: model, computing: computing)
        let counter = ProgressCounter(task: task, total: samples.count, report: progress)
        try run(interpreter, counter: counter, watching: watching, visit: visit)
    }

    /// Calls `body` with each sample of `indices` (all samples when nil) in order, reporting progress after each.
    public func forEachSample(
        in indices: Range<Int>? = nil,
        _ body: (_ sample: CalibrationSample) throws -> Void
    ) throws {
        let indices = indices ?? 0..<samples.count
        let counter = ProgressCounter(task: task, total: indices.count, report: progress)
        for index in indices {
            try body(try samples.inputs(at: index))
            counter.advance()
        }
    }

    /// Runs every sample in order, one at a time (see `runSample`).
    private func run(
        _ interpreter: Interpreter, counter: ProgressCounter, generating: Bool = false,
        names: ScopedValueNames? = nil, watching: @escaping (String) -> Bool,
        visit: @escaping (ObservedTensor) throws -> Void
    ) throws {
        for index in 0..<samples.count {
            try runSample(index, interpreter, generating: generating, names: names, watching: watching, visit: visit)
            counter.advance()
        }
    }

    /// Runs sample `index`, handing `visit` every tensor `watching` accepts; a failure names the sample.
    ///
    /// With `generating`, a decoder with past whose samples give no cache runs by generation (`samples.generation`),
    /// so the cache inputs are observed with real content; else each sample is one prefill with an empty cache
    /// (the layers' inputs are the same: `smooth-quant`, AWQ and GPTQ need no more).
    /// With `names`, body values are handed over too, as an `ObservedTensor` carrying their scoped name; without,
    /// only main-graph values.
    private func runSample(
        _ index: Int, _ interpreter: Interpreter, generating: Bool, names: ScopedValueNames?,
        watching: @escaping (String) -> Bool,
        visit: @escaping (ObservedTensor) throws -> Void
    ) throws {
        let sample = try samples.inputs(at: index)
        try Self.naming(sample) {
            let observer: TensorObserver = { observed in
                if observed.depth == 0 {
                    guard watching(observed.name) else { return }
                    try visit(observed)
                } else if let names, let scoped = names[observed.value], watching(scoped) {
                    try visit(observed.renamed(scoped))
                }
            }
            // A decoder with past whose sample gives no cache runs the way it is used: a prefill, then one
            // token per step with the presents fed back, every step observed.
            if generating, let plan = samples.generation, !sample.emptyCache.isEmpty {
                try generateSteps(sample, interpreter: interpreter, plan: plan, observer: observer) { _ in }
            } else {
                _ = try interpreter.run(sample.arrays, observer: observer, watching: watching)
            }
        }
    }

    /// Runs `body` on `sample`; an interpreter or observer error it throws becomes
    /// `CalibrationRunError.sampleFailed` naming the sample.
    public static func naming(_ sample: CalibrationSample, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as CalibrationError {
            throw CalibrationRunError.sampleFailed(
                sample: sample.name, source: sample.source, reason: error.description)
        } catch let error as InterpreterError {
            throw CalibrationRunError.sampleFailed(sample: sample.name, source: sample.source, reason: "\(error)")
        }
    }

    /// Hands one produced tensor to its observers; tensors that are not floating point are not calibrated.
    private static func feed(_ observed: ObservedTensor, to observers: ObserverSet) throws {
        let array = observed.array
        switch array.dataType {
        case .float:
            try array.withFloats { try observers.observe(observed.name, values: $0, shape: array.shape) }
        case .float16, .bfloat16, .double:
            let values = try array.floatValues()
            try values.withUnsafeBufferPointer { try observers.observe(observed.name, values: $0, shape: array.shape) }
        default:
            return
        }
    }
}

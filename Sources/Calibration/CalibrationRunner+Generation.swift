import OnnxIR
import OnnxInterpreter

/// How a decoder with past is run over a calibration sequence: the prefill length and the cache layout.
public struct GenerationPlan: Sendable, Equatable {
    /// The cache tensors.
    public var pairs: [CachePair]
    /// Tokens of each sequence run in one prefill step; nil takes half of the sequence (at least one). The rest are
    /// decoded one token per step, each step feeding the previous `present` as `past`.
    public var prefillLength: Int?
    /// The axis of the cache tensors that grows with every step (2 in `[batch, heads, sequence, head_dim]`).
    public var sequenceAxis: Int

    /// Creates a plan.
    public init(pairs: [CachePair], prefillLength: Int? = nil, sequenceAxis: Int = 2) {
        self.pairs = pairs
        self.prefillLength = prefillLength
        self.sequenceAxis = sequenceAxis
    }
}

extension CalibrationRunner {
    /// Runs `model`, a decoder with past, over the samples the way it is used: for each sequence a prefill, then
    /// decode steps of one token, each feeding the previous step's `present` outputs back as `past` inputs (the
    /// cache starts empty). `visit` sees every output of every step (the presents hold the cache after that step).
    ///
    /// The samples hold the other inputs (`input_ids` `[batch, sequence]`); the ones of rank 2 or more whose axis
    /// 1 is the sequence are cut along it, step by step (`attention_mask` and `position_ids` are made when absent).
    /// A sequence longer than the model's position table is an error naming the table, before anything runs.
    public static func generationSamples(
        model: Model, source: CalibrationDataSource, plan: GenerationPlan
    ) throws -> CalibrationSamples {
        try CalibrationSamples(model: model, source: source, supplied: Set(plan.pairs.map(\.past)))
    }

    /// Runs the generation loop over the samples (see `generationSamples`); `visit` gets each step's outputs.
    public func generate(
        model: Model, plan: GenerationPlan, visit: (_ outputs: [String: NDArray]) throws -> Void
    ) throws {
        let interpreter = try Interpreter(model: model)
        try forEachSample { sample in
            try generateSteps(sample, interpreter: interpreter, plan: plan, observer: nil, visit: visit)
        }
    }

    /// One sample's prefill and decode steps; `observer` sees every tensor of every step, `visit` every step's outputs.
    func generateSteps(
        _ sample: CalibrationSample, interpreter: Interpreter, plan: GenerationPlan, observer: TensorObserver?,
        visit: (_ outputs: [String: NDArray]) throws -> Void
    ) throws {
        let pasts = Set(plan.pairs.map(\.past))
        let inputs = sample.arrays.filter { !pasts.contains($0.key) }
        guard
            let tokens = inputs["input_ids"]
                ?? inputs.sorted(by: { $0.key < $1.key }).first(where: { $0.value.rank >= 2 })?.value
        else {
            throw KVCacheError(
                "\(sample.source): sample '\(sample.name)': no input of shape [batch, sequence] to generate from")
        }
        let length = tokens.shape[1]
        if let limit = PositionLimit.of(interpreter.model.graph), length > limit.positions {
            throw KVCacheError(
                "\(sample.source): sample '\(sample.name)': \(length) tokens, more than the \(limit.positions) "
                    + "positions of '\(limit.table)' (cut the calibration sequences to at most \(limit.positions))")
        }
        guard length > 0 else { return }
        let prefill = min(length, max(1, plan.prefillLength ?? length / 2))
        let session = try DecoderSession(
            interpreter: interpreter, pairs: plan.pairs, batch: tokens.shape[0], sequenceAxis: plan.sequenceAxis)
        var start = 0
        while start < length {
            let end = start == 0 ? prefill : start + 1
            var step: [String: NDArray] = [:]
            for (name, array) in inputs {
                if name == "attention_mask", array.rank == 2 {
                    step[name] = try DecoderSession.columns(0..<end, of: array)
                } else if array.rank >= 2, array.shape[1] == length {
                    step[name] = try DecoderSession.columns(start..<end, of: array)
                } else {
                    step[name] = array
                }
            }
            do {
                try visit(try session.step(step, tokens: end - start, observer: observer))
            } catch let error as InterpreterError {
                throw CalibrationRunError.sampleFailed(
                    sample: sample.name, source: sample.source,
                    reason: "generation step at position \(start): \(error)")
            }
            start = end
        }
    }
}

import Calibration
import OnnxIR
import Quantization

/// GPTQ rounding for the weights `insert-qdq` will quantize (W8A8): each Conv, Gemm and MatMul weight is
/// rounded column by column with the scales and zero points `insert-qdq` chooses for it, pushing each
/// rounding error onto the input channels not yet rounded through the inverse of the layer input's `XᵀX`
/// (Frantar et al., 2022), so the layer's output on the calibration samples changes as little as possible.
///
/// It runs between `calibrate` and `insert-qdq` and takes `insert-qdq`'s options: a trial quantization of a
/// copy (`TrialQuantization`) says which weights get a per-tensor or per-channel DequantizeLinear and with
/// which parameters; the float model is run over the calibration samples to measure each layer's input
/// (`LayerGram`: a Conv's im2col patches, per group); and each weight is replaced by the dequantized GPTQ
/// result, on exactly that grid. So that `insert-qdq`, which computes the parameters again from the new
/// weight, finds the same ones, every parameter slice (output channel, or the whole tensor) keeps its
/// original smallest and largest element, and every other value is clamped between them: `insert-qdq` then
/// writes the GPTQ codes back exactly, except at those two elements, which it rounds to nearest as before.
///
/// With `inputs=quantized`, the layers are rounded stage by stage for the input the quantized model gives them
/// (`roundForQuantizedInputs`), to reproduce the float layer's output on the float input
/// (`RoundingJob.roundedForQuantizedInputs`): the weight then takes up part of the error the quantized model has
/// accumulated by its input, and the bias keeps each output's mean.
public struct RoundWeightsPass: Pass {
    /// `round-weights`.
    public static let argument = "round-weights"
    /// Rounds main-graph weights only.
    public static let subgraphReach = SubgraphReach.mainGraphOnly
    /// One line for `list-passes`.
    public static let summary =
        "GPTQ rounding of the Conv/Gemm/MatMul weights insert-qdq will quantize, on its grid (run before insert-qdq, with its options; needs calibration data)."
    /// `insert-qdq`'s options (they say how the weights will be quantized) and which input to round for.
    public static var options: [PassOption] {
        InsertQDQPass.options + [
            PassOption(
                name: inputsOption, valueSyntax: "float|quantized", defaultValue: "float",
                summary: "Round for the float layer input (GPTQ) or for the quantized one, matching the float "
                    + "layer's output and correcting the bias (GPTAQ).")
        ]
    }
    /// The option that chooses the input weights are rounded for; not passed on to the trial `insert-qdq`.
    static let inputsOption = "inputs"

    /// Output positions of a Conv input used per sample to measure `XᵀX`.
    static let positionLimit = 1024
    /// GPTQ's damping: the fraction of the mean Hessian diagonal added to the diagonal.
    static let damp = 0.01
    /// With `inputs=quantized`, the ridge of the least-squares weight also adds this times `width / rows` of the
    /// mean diagonal.
    static let ridgeScale = 1.0

    /// `insert-qdq`'s options, for the trial quantizations.
    let trialOptions: [String: String]
    /// Whether weights are rounded for the quantized layer input (`inputs=quantized`).
    private let forQuantizedInputs: Bool

    /// Creates the pass; the options are checked as `insert-qdq` checks them.
    public init(options: [String: String]) throws {
        let reader = try PassOptionReader(options, for: Self.self)
        forQuantizedInputs = try reader.choice(Self.inputsOption, in: ["float", "quantized"]) == "quantized"
        var trialOptions = options
        trialOptions[Self.inputsOption] = nil
        _ = try InsertQDQPass(options: trialOptions)
        self.trialOptions = trialOptions
    }

    /// Rounds every weight of the main graph that the trial quantization quantized per tensor or per channel.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        guard let source = context.calibrationData else {
            throw RoundWeightsError(
                "round-weights: GPTQ measures the layers' inputs: give calibration samples (--calib-data or --calib-random)"
            )
        }
        var statistics = ["gptq-weights": 0, "float-layers": 0, "skipped-layers": 0, "unobserved-layers": 0]
        if forQuantizedInputs {
            statistics["moved-weights"] = 0
            statistics["corrected-biases"] = 0
        }
        let trial = try TrialQuantization.copy(
            of: model, insertOptions: trialOptions, source: source, context: context, pass: Self.argument)
        let originals = model.graph.nodes.filter(LinearLayer.isLayer)
        let quantized = trial.graph.nodes.filter(LinearLayer.isLayer)
        guard originals.count == quantized.count, zip(originals, quantized).allSatisfy({ $0.opType == $1.opType })
        else {
            throw RoundWeightsError(
                "round-weights: the trial quantization has \(quantized.count) Conv/Gemm/MatMul layers, "
                    + "the model \(originals.count)")
        }
        var jobs: [RoundingJob] = []
        var positions: [Int] = []
        for (position, (node, copy)) in zip(originals, quantized).enumerated() {
            guard copy.inputs.count > 1, let weight = copy.inputs[1], let dequantize = weight.producer,
                dequantize.opType == "DequantizeLinear"
            else {
                statistics["float-layers", default: 0] += 1
                continue
            }
            switch RoundingJob.make(node, dequantize: dequantize, positionLimit: Self.positionLimit) {
            case .success(let job):
                jobs.append(job)
                positions.append(position)
            case .failure(let refusal):
                statistics["skipped-layers", default: 0] += 1
                context.remark("round-weights: '\(node.displayName)' keeps round-to-nearest: \(refusal)")
            }
        }
        if forQuantizedInputs {
            let changed = try roundForQuantizedInputs(
                jobs, positions: positions, firstTrial: trial, model: model, source: source, context: context,
                statistics: &statistics)
            return PassResult(changed: changed, statistics: statistics)
        }
        try measure(&jobs, on: model, source: source, context: context)
        var changed = false
        for job in jobs {
            guard job.gram.groups.allSatisfy({ $0.rowsSeen > 0 }) else {
                statistics["unobserved-layers", default: 0] += 1
                context.remark(
                    "round-weights: '\(job.layer.node.displayName)' never ran on a float32 input; keeps round-to-nearest"
                )
                continue
            }
            var layer = job.layer
            layer.weights = try job.rounded(damp: Self.damp).map(Double.init)
            try layer.writeWeights(suffix: "_gptq", in: model.graph)
            statistics["gptq-weights", default: 0] += 1
            changed = true
        }
        return PassResult(changed: changed, statistics: statistics)
    }

    /// Runs the float model over the samples, feeding each job its layer's input.
    private func measure(
        _ jobs: inout [RoundingJob], on model: Model, source: CalibrationDataSource, context: PassContext
    ) throws {
        var feed = TensorFeed<Void>()
        for (index, job) in jobs.enumerated() { feed.watch(job.input, job: index) }
        var observed = jobs
        try feed.run(model: model, source: source, task: Self.argument, context: context) {
            index, _, values, shape, _ in
            try observed[index].gram.observe(values, shape: shape)
        }
        jobs = observed
    }
}

extension RoundWeightsPass: InsertQDQTrialPass {}

/// Why `round-weights` stopped: one line naming the pass and what was missing.
public struct RoundWeightsError: Error, Equatable, CustomStringConvertible {
    /// The message.
    public var description: String

    /// Wraps a message.
    public init(_ description: String) { self.description = description }
}

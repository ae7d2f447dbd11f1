import Calibration
import OnnxIR

/// Bias correction (Nagel et al. 2019, "Data-Free Quantization", empirical variant): per output channel of each
/// Conv, Gemm and MatMul whose weight `insert-qdq` will quantize, subtracts the mean output shift
/// `(W_q − W) · E[x]` that rounding the weight causes from the layer's float bias.
///
/// It runs between `calibrate` and `insert-qdq` and takes `insert-qdq`'s options: it quantizes a copy of the
/// model with them (so `W_q` is exactly what `insert-qdq` will write, and layers the target leaves in float
/// are left alone), runs that copy over the calibration samples to measure `E[x]` as the quantized layers
/// see it (`InputMeans`), and writes the corrected float bias into the model; `insert-qdq` then quantizes
/// the model as usual, biases included.
public struct CorrectBiasPass: Pass {
    /// `correct-bias`.
    public static let argument = "correct-bias"
    /// Does not walk If/Loop/Scan bodies.
    public static let subgraphReach = SubgraphReach.mainGraphOnly
    /// One line for `list-passes`.
    public static let summary =
        "Bias correction: subtracts (W_q − W)·E[x] per output channel from Conv/Gemm/MatMul biases (run before insert-qdq, with its options; needs calibration data)."
    /// Exactly `insert-qdq`'s options: they say how the weights will be quantized.
    public static var options: [PassOption] { InsertQDQPass.options }

    private let trialOptions: [String: String]

    /// Creates the pass; the options are checked as `insert-qdq` checks them.
    public init(options: [String: String]) throws {
        _ = try InsertQDQPass(options: options)
        trialOptions = options
    }

    /// Corrects the bias of every layer of the main graph whose weight the trial quantization quantized.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        guard let source = context.calibrationData else { throw CorrectBiasError.noCalibrationData }
        var statistics = [
            "corrected-layers": 0, "float-layers": 0, "skipped-no-bias-slot": 0, "skipped-unreadable": 0,
            "unobserved-layers": 0,
        ]
        let trial = try TrialQuantization.copy(
            of: model, insertOptions: trialOptions, source: source, context: context, pass: Self.argument)
        let originals = model.graph.nodes.filter(LinearLayer.isLayer)
        let quantized = trial.graph.nodes.filter(LinearLayer.isLayer)
        guard originals.count == quantized.count, zip(originals, quantized).allSatisfy({ $0.opType == $1.opType })
        else { throw CorrectBiasError.layersDiffer(original: originals.count, quantized: quantized.count) }
        var targets: [BiasCorrectionTarget] = []
        for (node, copy) in zip(originals, quantized) {
            guard copy.inputs.count > 1, let weight = copy.inputs[1], weight.producer?.opType == "DequantizeLinear",
                let input = copy.inputs[0]
            else {
                statistics["float-layers", default: 0] += 1
                continue
            }
            switch BiasCorrectionTarget.make(node, input: input.name, quantizedWeight: weight.name) {
            case .success(let target):
                targets.append(target)
            case .failure(let refusal):
                let counter = refusal.noBiasSlot ? "skipped-no-bias-slot" : "skipped-unreadable"
                statistics[counter, default: 0] += 1
                context.remark("correct-bias: left '\(node.displayName)' uncorrected: \(refusal.reason)")
            }
        }
        try measure(&targets, on: trial, source: source, context: context)
        var changed = false
        for target in targets {
            guard let bias = target.correctedBias() else {
                statistics["unobserved-layers", default: 0] += 1
                context.remark(
                    "correct-bias: '\(target.layer.node.displayName)' never ran on a float32 input; left as is")
                continue
            }
            try bias.write(suffix: "_corrected", in: model.graph)
            statistics["corrected-layers", default: 0] += 1
            changed = true
        }
        return PassResult(changed: changed, statistics: statistics)
    }

    /// Runs the quantized copy over the samples, feeding each target its input and (once) its quantized weight.
    private func measure(
        _ targets: inout [BiasCorrectionTarget], on trial: Model, source: CalibrationDataSource, context: PassContext
    ) throws {
        var feed = TensorFeed<BiasCorrectionTarget.Part>()
        for (index, target) in targets.enumerated() {
            feed.watch(target.input, job: index, role: .input)
            feed.watch(target.quantizedWeight, job: index, role: .quantizedWeight)
        }
        var observed = targets
        try feed.run(model: trial, source: source, task: Self.argument, context: context) {
            index, part, values, shape, tensor in
            switch part {
            case .input: try observed[index].means.observe(values, shape: shape, tensor: tensor)
            case .quantizedWeight where observed[index].quantizedValues == nil:
                observed[index].quantizedValues = Array(values)
            case .quantizedWeight: break
            }
        }
        targets = observed
    }
}

extension CorrectBiasPass: InsertQDQTrialPass {}

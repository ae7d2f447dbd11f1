import Calibration
import OnnxIR
import OnnxInterpreter

/// Which samples measure the quantized model's accuracy for the report and the gate.
///
/// `--eval-data` when given; otherwise calibration samples that calibration did not use (those after
/// `--calib-samples N`); otherwise, when calibration used them all, the calibration samples
/// themselves, and the report says so. Random calibration inputs give fresh random inputs
/// (seeded, after the ones calibration used).
public struct EvaluationPlan {
    /// Default number of samples when the user sets no limit.
    public static let defaultSampleCount = 16

    /// `eval-data`, `held-back-calibration`, `calibration` or `random`.
    public let source: String
    /// The dataset path or `--calib-random`.
    public let data: String
    /// The first sample index used.
    public let first: Int
    /// One past the last sample index used.
    public let end: Int
    /// What the reader should know about these samples.
    public let note: String
    private let samples: CalibrationSamples

    /// The plan for `model` (the float model); nil when there is no data at all.
    public static func make(
        model: Model, evalData: String?, evalSamples: Int?, calibration: CalibrationDataSource?
    ) throws -> EvaluationPlan? {
        if let evalData {
            let samples = try CalibrationSamples(
                model: model, source: CalibrationDataSource(origin: .files(path: evalData), sampleLimit: evalSamples))
            return EvaluationPlan(
                source: "eval-data", data: evalData, first: 0, end: samples.count,
                note: "evaluation samples given with --eval-data", samples: samples)
        }
        guard let calibration else { return nil }
        let wanted = evalSamples ?? defaultSampleCount
        switch calibration.origin {
        case .files(let path):
            let samples = try CalibrationSamples(
                model: model, source: CalibrationDataSource(origin: .files(path: path)))
            if let used = calibration.sampleLimit, used < samples.count {
                let end = min(samples.count, used + wanted)
                return EvaluationPlan(
                    source: "held-back-calibration", data: path, first: used, end: end,
                    note: "samples \(used)..<\(end) of the calibration data, which calibration did not use "
                        + "(it used the first \(used))", samples: samples)
            }
            return EvaluationPlan(
                source: "calibration", data: path, first: 0, end: min(samples.count, wanted),
                note: "no --eval-data, and calibration used every sample, so these samples were also "
                    + "calibrated on: the numbers are optimistic; give --eval-data (or --calib-samples below "
                    + "the dataset's size to hold samples back) for an unbiased measure", samples: samples)
        case .random(let seed, let sampleCount):
            let used = min(sampleCount, calibration.sampleLimit ?? sampleCount)
            let samples = try CalibrationSamples(
                model: model,
                source: CalibrationDataSource(origin: .random(seed: seed, sampleCount: used + wanted)))
            return EvaluationPlan(
                source: "random", data: "--calib-random", first: used, end: used + wanted,
                note: "seeded random inputs after those calibration used: the numbers say how far the outputs "
                    + "moved, not how accurate the model is", samples: samples)
        }
    }

    private init(source: String, data: String, first: Int, end: Int, note: String, samples: CalibrationSamples) {
        self.source = source
        self.data = data
        self.first = first
        self.end = end
        self.note = note
        self.samples = samples
    }

    /// The sample indices the plan measures on.
    var indices: Range<Int> { first..<end }

    /// The sample loop over the plan's samples.
    func runner(task: String) -> CalibrationRunner { CalibrationRunner(samples: samples, task: task) }

    /// Every quantized tensor's sensitivity (`SensitivityAnalysis`), measured on the plan's samples.
    public func sensitivity(float: Model, floatName: String, quantized: Model, quantizedName: String) throws
        -> SensitivityReport
    {
        let analysis = try SensitivityAnalysis(
            float: float, floatName: floatName, quantized: quantized, quantizedName: quantizedName)
        return try analysis.analyze(runner: runner(task: "sensitivity"), indices: indices, data: data)
    }

    /// Runs the plan's samples through both models and measures every graph output and every quantized tensor
    /// inside an If/Loop/Scan body, and with `perplexity`
    /// both models' next-token perplexity in the same run.
    public func evaluate(
        float: Model, floatName: String, quantized: Model, quantizedName: String,
        perplexity: PerplexitySettings? = nil
    ) throws -> ReportEvaluation {
        let comparator = try ModelComparator(
            float: float, floatName: floatName, quantized: quantized, quantizedName: quantizedName, outputsOnly: true,
            bodyTensors: true)
        var meter = try perplexity.map {
            try PerplexityMeter(
                settings: $0, float: float, floatName: floatName, quantized: quantized, quantizedName: quantizedName)
        }
        let result = try comparator.compare(
            runner: CalibrationRunner(samples: samples, task: "evaluate"), indices: first..<end,
            floatModel: floatName, quantizedModel: quantizedName, data: data
        ) { sample, floatOutputs, quantizedOutputs in
            try meter?.add(sample: sample, floatOutputs: floatOutputs, quantizedOutputs: quantizedOutputs)
        }
        let outputs = float.graph.outputs.compactMap { output in
            result.outputs.first { $0.tensor == output.name }.map(ReportOutputAccuracy.init(row:))
        }
        var evaluation = ReportEvaluation(
            source: source, data: data, firstSample: first, endSample: end, note: note, outputs: outputs,
            perplexity: try meter?.result())
        let body = result.tensors.filter { $0.kind != .output && ScopedValueNames.isBodyValueName($0.tensor) }
        if !body.isEmpty { evaluation.bodyTensors = body.map(ReportBodyTensor.init(row:)) }
        return evaluation
    }
}

import Calibration
import Foundation
import OnnxIR
import OnnxInterpreter
import Quantization

/// The model-level check of a `method=auto` calibration table: `insert-qdq` quantizes a copy of the model with the
/// table's ranges and one with its observed (minmax) ranges, runs both and the float model over the last
/// `sampleLimit` calibration samples, and keeps the auto ranges only when every output's SQNR is at least its
/// SQNR with the minmax ranges.
///
/// Every output, not their pooled error: pooled, a large output (an LSTM's state) could buy a gain with a loss
/// on a small one (the speech probability next to it), and auto is meant never to leave an output worse than
/// minmax.
///
/// Auto ranks each tensor's candidates by the error on that tensor (`AutoSelection`), which stands for the
/// output error when errors downstream stay uncorrelated; clipping errors are not (a clipped tail shifts every
/// consumer the same way), so the whole model is measured once before the ranges are used. Both candidate tables
/// come from the same histogram pass, so the check costs three runs of the model per checked sample.
struct AutoRangeCheck {
    /// The options `insert-qdq` was given, to quantize the copies the same way.
    let insertOptions: [String: String]
    /// Calibration samples (the last ones) the outputs are compared on.
    let sampleLimit: Int

    /// What the check measured and chose.
    struct Outcome {
        /// The table to quantize with: `table` itself, or its minmax form.
        var table: CalibrationTable
        /// The worst output's SQNR (dB) with the auto ranges and with the minmax ranges.
        var autoSQNR: Double
        var minMaxSQNR: Double
        /// The first output (in the graph's order) worse with the auto ranges, when one is.
        var worseOutput: String?
        /// How many samples were compared.
        var samples: Int
        /// Whether the auto ranges were kept: no output was worse with them.
        var keptAuto: Bool { worseOutput == nil }
    }

    /// The outcome for `table`: the session's earlier check of the same table when there is one, else a new check
    /// (kept in the session for the quantizations after it).
    func chooseOnce(_ table: CalibrationTable, model: Model, source: CalibrationDataSource, context: PassContext)
        throws -> Outcome
    {
        if let earlier = context.session.autoRangeCheck, earlier.table == table { return earlier.outcome }
        let outcome = try choose(table, model: model, source: source, context: context)
        context.session.autoRangeCheck = (table, outcome)
        return outcome
    }

    /// The table's minmax form: every range replaced by the observed one.
    static func minMaxForm(of table: CalibrationTable) -> CalibrationTable {
        var minMax = table
        for (name, tensor) in table.tensors { minMax.tensors[name]?.range = tensor.observed }
        return minMax
    }

    /// Measures both tables on `model` and returns the better one (auto on ties).
    func choose(_ table: CalibrationTable, model: Model, source: CalibrationDataSource, context: PassContext) throws
        -> Outcome
    {
        // The copies are quantized with the ranges as they stand: marked as minmax so that their own
        // insert-qdq does not check again.
        var autoRanges = table
        autoRanges.method = .minMax
        var minMaxRanges = Self.minMaxForm(of: table)
        minMaxRanges.method = .minMax
        let autoModel = try quantizedCopy(model, table: autoRanges, source: source, context: context)
        let minMaxModel = try quantizedCopy(model, table: minMaxRanges, source: source, context: context)
        let samples = try CalibrationSamples(model: model, source: source)
        let count = min(sampleLimit, samples.count)
        let runner = CalibrationRunner(
            samples: samples, task: "\(InsertQDQPass.argument) (auto check)", progress: context.progress)
        let float = try Interpreter(model: model)
        let quantized = [try Interpreter(model: autoModel), try Interpreter(model: minMaxModel)]
        let names = model.graph.outputs.map(\.name)
        var signal = [String: Double]()
        var noise = [[String: Double]](repeating: [:], count: 2)
        try runner.forEachSample(in: (samples.count - count)..<samples.count) { sample in
            let reference = try float.run(sample.arrays)
            for (index, interpreter) in quantized.enumerated() {
                let outputs = try interpreter.run(sample.arrays)
                for (name, array) in reference {
                    guard array.dataType == .float, let other = outputs[name], other.dataType == .float else {
                        continue
                    }
                    let expected = try array.floatValues()
                    let actual = try other.floatValues()
                    guard expected.count == actual.count else { continue }
                    for (e, a) in zip(expected, actual) where e.isFinite && a.isFinite {
                        if index == 0 { signal[name, default: 0] += Double(e) * Double(e) }
                        noise[index][name, default: 0] += (Double(e) - Double(a)) * (Double(e) - Double(a))
                    }
                }
            }
        }
        let verdict = Self.verdict(outputs: names, signal: signal, autoNoise: noise[0], minMaxNoise: noise[1])
        var outcome = Outcome(
            table: table, autoSQNR: verdict.autoSQNR, minMaxSQNR: verdict.minMaxSQNR,
            worseOutput: verdict.worseOutput, samples: count)
        if !outcome.keptAuto { outcome.table = Self.minMaxForm(of: table) }
        return outcome
    }

    /// The rule: the first of `outputs` (with a measured signal) whose SQNR is lower with the auto ranges' noise
    /// than with the minmax ranges', and the worst output's SQNR with each.
    static func verdict(
        outputs: [String], signal: [String: Double], autoNoise: [String: Double], minMaxNoise: [String: Double]
    ) -> (worseOutput: String?, autoSQNR: Double, minMaxSQNR: Double) {
        let measured = outputs.filter { signal[$0] != nil }
        let sqnr = { (noise: [String: Double], name: String) -> Double in
            QuantizationMetrics.sqnr(signal: signal[name] ?? 0, noise: noise[name] ?? 0)
        }
        return (
            measured.first { sqnr(autoNoise, $0) < sqnr(minMaxNoise, $0) },
            measured.map { sqnr(autoNoise, $0) }.min() ?? .infinity,
            measured.map { sqnr(minMaxNoise, $0) }.min() ?? .infinity
        )
    }

    private func quantizedCopy(
        _ model: Model, table: CalibrationTable, source: CalibrationDataSource, context: PassContext
    ) throws -> Model {
        var options = insertOptions
        options["table"] = nil
        let session = PipelineSession()
        session.calibrationTable = table
        var trialContext = PassContext(progress: context.progress, calibrationData: source, session: session)
        trialContext.sampleWorkers = context.sampleWorkers
        return try TrialQuantization.copy(
            of: model, insertOptions: options, source: source, context: trialContext, pass: "insert-qdq (auto check)")
    }
}
